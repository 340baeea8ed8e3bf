//! "Adding a tool" (docs/ADDING_A_TOOL.md) as a test: every folder under `tools/src` is a tool
//! with a row here, its roots in the schema, its reference page in `docs/tools`, linked from
//! the README's tour, and every operation it serves named on that page. A tool that misses a
//! step fails here, naming the step.

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

/// Each tool's folder and the SDL of its own roots (its queries and mutations alone).
fn tools() -> Vec<(&'static str, String)> {
    use tools::*;
    fn sdl<Q, M>(query: Q, mutation: M) -> String
    where
        Q: async_graphql::ObjectType + 'static,
        M: async_graphql::ObjectType + 'static,
    {
        Schema::build(query, mutation, EmptySubscription).finish().sdl()
    }
    vec![
        ("admin", sdl(admin::AdminQuery::default(), admin::AdminMutation::default())),
        ("approvals", sdl(approvals::ApprovalsQuery::default(), approvals::ApprovalsMutation)),
        ("compliance", sdl(compliance::ComplianceQuery::default(), compliance::ComplianceMutation::default())),
        ("cx", sdl(cx::CxQuery::default(), cx::CxMutation::default())),
        ("directory", sdl(directory::DirectoryQuery::default(), EmptyMutation)),
        ("ingest", sdl(ingest::IngestQuery::default(), ingest::IngestMutation::default())),
        ("medical", sdl(medical::MedicalQuery::default(), medical::MedicalMutation::default())),
        ("ops", sdl(ops::OpsQuery::default(), ops::OpsMutation::default())),
    ]
}

/// The root fields an SDL declares (of its query and mutation types).
fn root_fields(sdl: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut in_root = false;
    for line in sdl.lines() {
        if line.starts_with("type ") {
            in_root = line.contains("Query") || line.contains("Mutation");
        } else if line.starts_with('}') {
            in_root = false;
        } else if in_root {
            let line = line.trim();
            let name = line.split(['(', ':']).next().unwrap_or_default();
            let declared = line[name.len()..].starts_with(['(', ':']);
            if declared && !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) {
                fields.push(name.to_owned());
            }
        }
    }
    fields
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default()
}

#[test]
fn every_tool_has_its_roots_its_reference_page_and_a_row_in_the_tour() {
    let tools = tools();
    let root = format!("{}/../tools/src", env!("CARGO_MANIFEST_DIR"));
    let mut folders: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(|entry| {
            entry.ok().filter(|e| e.path().is_dir()).map(|e| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    folders.sort();
    let listed: Vec<&str> = tools.iter().map(|(name, _)| *name).collect();
    assert_eq!(folders, listed, "every folder under tools/src is a tool with a row in tools() here");

    let schema = read("api/src/schema/mod.rs");
    let readme = read("README.md");
    let mut missing = Vec::new();
    for (tool, sdl) in &tools {
        let fields = root_fields(sdl);
        assert!(!fields.is_empty(), "{tool}: no root fields in {sdl}");
        let page = read(&format!("docs/tools/{tool}.md"));
        if page.is_empty() {
            missing.push(format!("{tool}: docs/tools/{tool}.md is missing (ADDING_A_TOOL.md, step 12)"));
        }
        if !readme.contains(&format!("(docs/tools/{tool}.md)")) {
            missing.push(format!("{tool}: no row in the README's tour (step 12)"));
        }
        for field in &fields {
            if !page.contains(&format!("`{field}`")) && !page.contains(&format!("`{field}(")) {
                missing.push(format!("{tool}: docs/tools/{tool}.md does not name `{field}` (step 12)"));
            }
        }
        let camel: String = tool[..1].to_uppercase() + &tool[1..];
        for root in ["Query", "Mutation"] {
            let name = format!("{camel}{root}");
            if sdl.contains(&format!("type {name} ")) && !schema.contains(&name) {
                missing.push(format!("{tool}: {name} is not in api/src/schema/mod.rs's roots (step 7)"));
            }
        }
    }
    assert!(missing.is_empty(), "steps of docs/ADDING_A_TOOL.md missed:\n{}", missing.join("\n"));
}
