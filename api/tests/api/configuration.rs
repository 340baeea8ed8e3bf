//! The configuration table of docs/OPERATIONS.md is the CLI's: every `WARD_*` variable a
//! command reads has a row, every row names a variable ward reads, and each default the table
//! states is the one `ward` applies (as the exported SDL is held to the schema).

use clap::CommandFactory;
use std::collections::BTreeMap;

/// Variables read outside clap (the log set-up runs before the arguments are parsed).
const READ_DIRECTLY: [&str; 2] = ["WARD_LOG", "WARD_LOG_FORMAT"];

/// Every variable of every `ward` command, with the default clap applies (if any).
fn cli_variables() -> BTreeMap<String, Option<String>> {
    let mut variables = BTreeMap::new();
    let cli = api::cli::Cli::command();
    let mut commands = vec![&cli];
    let mut i = 0;
    while i < commands.len() {
        commands.extend(commands[i].get_subcommands());
        i += 1;
    }
    for command in commands {
        for arg in command.get_arguments() {
            let Some(env) = arg.get_env().and_then(|e| e.to_str()) else { continue };
            let default = arg.get_default_values().first().map(|v| v.to_string_lossy().into_owned());
            variables.insert(env.to_owned(), default);
        }
    }
    variables
}

/// The table's rows: each variable named in the first cell, with its share of the default
/// cell (`A` / `B` rows split their default the same way).
fn table_rows() -> BTreeMap<String, String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/OPERATIONS.md")).unwrap();
    let table = doc.split("## Configuration").nth(1).expect("a Configuration section");
    let mut rows = BTreeMap::new();
    for line in table.lines().filter(|l| l.starts_with("| `WARD_")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let names: Vec<&str> = cells[0].split(" / ").map(|n| n.trim_matches('`')).collect();
        let defaults: Vec<&str> = cells[1].split(" / ").collect();
        for (n, name) in names.iter().enumerate() {
            let default = if defaults.len() == names.len() { defaults[n] } else { cells[1] };
            rows.insert((*name).to_owned(), default.replace('`', ""));
        }
    }
    rows
}

#[test]
fn the_configuration_table_states_every_default() {
    let cli = cli_variables();
    let table = table_rows();
    assert!(cli.len() > 30, "the CLI's variables: {cli:?}");
    for (variable, default) in &cli {
        let Some(stated) = table.get(variable) else { panic!("docs/OPERATIONS.md has no row for {variable}") };
        if let Some(default) = default {
            let rest = stated.strip_prefix(default.as_str());
            assert!(
                rest.is_some_and(|r| r.is_empty() || r.starts_with(' ')),
                "{variable}: the table says {stated:?}, ward's default is {default:?}"
            );
        }
    }
    for variable in table.keys() {
        assert!(
            cli.contains_key(variable) || READ_DIRECTLY.contains(&variable.as_str()),
            "docs/OPERATIONS.md documents {variable}, which ward does not read"
        );
    }
}
