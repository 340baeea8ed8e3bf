//! `api/schema.graphql` is the SDL clients build against: it must match the code.

#[test]
fn the_exported_schema_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let sdl = api::schema::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &sdl).unwrap();
    }
    let exported = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        exported == sdl,
        "api/schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test -p api --test api schema` and commit it"
    );
}
