//! Decides, when the tests are built, whether PostgreSQL (and Chromium, for the console's
//! browser tests) is there to test against.
//!
//! The test harness cannot mark a test skipped at run time: a `postgres` test that returned
//! early would count as passed. So outside CI, when PostgreSQL at `TEST_POSTGRES_URL` does not
//! accept a connection while the tests are built, this sets `cfg(postgres_unreachable)` and
//! every PostgreSQL test is compiled `#[ignore]`d with the reason: `cargo test` then reports it
//! as ignored, never as passed. Under CI (`CI` set to anything but `false` or `0`) the cfg is
//! never set, so an unreachable PostgreSQL fails the run, and `.ci/run` fails on any ignored
//! test. A PostgreSQL that went away after the build fails its tests too.
//! Set `TEST_POSTGRES_URL` (or `touch api/build.rs`) to probe again.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rustc-check-cfg=cfg(postgres_unreachable)");
    println!("cargo::rustc-check-cfg=cfg(browser_missing)");
    println!("cargo::rerun-if-env-changed=PATH");
    // Any CI runner's value counts (`true`, `1`, a name): only unset, empty, `false` or `0` is
    // a developer's machine.
    if std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "false" | "0")) {
        return;
    }
    // The console's browser tests drive Chromium through chromedriver and check each page with
    // axe-core: without all three, they are built ignored too.
    let axe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/axe/node_modules/axe-core/axe.min.js");
    println!("cargo::rerun-if-changed={}", axe.display());
    if !["chromedriver", "chromium"].iter().all(|program| on_path(program)) {
        println!("cargo::rustc-cfg=browser_missing");
        println!("cargo::warning=chromium or chromedriver is not on PATH: the browser tests are built ignored");
    } else if !axe.is_file() {
        println!("cargo::rustc-cfg=browser_missing");
        println!(
            "cargo::warning=axe-core is not installed (npm install --prefix target/axe axe-core@4.14.1): the browser tests are built ignored"
        );
    }
    let url =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if !reachable(&url) {
        println!("cargo::rustc-cfg=postgres_unreachable");
        println!("cargo::warning=PostgreSQL at {url} is unreachable: its tests are built ignored");
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Whether the host and port of a `postgres://user@host:port/db` URL accept a connection.
fn reachable(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host_port = if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
    let Ok(mut addresses) = host_port.to_socket_addrs() else { return false };
    addresses.any(|address| TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok())
}
