//! The README's flag tables and `--help` come from the same definitions:
//! this test fails when one changes without the other.

use clap::CommandFactory;

use chatty::cli::Cli;

/// `(flag, default)` rows of the README table under `heading`.
fn readme_flags(heading: &str) -> Vec<(String, String)> {
    let readme = include_str!("../README.md");
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has {heading}"));
    readme[start..]
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let flag = cells[1]
                .trim_matches('`')
                .split(' ')
                .next()
                .unwrap_or_default();
            (flag.to_owned(), cells[2].trim_matches('`').to_owned())
        })
        .collect()
}

/// `(flag, default)` of every flag of `subcommand`, as `--help` shows them.
fn help_flags(subcommand: &str) -> Vec<(String, String)> {
    let cli = Cli::command();
    let command = cli
        .find_subcommand(subcommand)
        .unwrap_or_else(|| panic!("{subcommand} exists"));
    command
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            if long == "help" || long == "version" {
                return None;
            }
            let default = match arg.get_default_values() {
                [] => "none".to_owned(),
                values => values
                    .iter()
                    .map(|v| v.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(","),
            };
            Some((format!("--{long}"), default))
        })
        .collect()
}

#[test]
fn serve_flags_in_readme_match_help() {
    let mut readme = readme_flags("## `chatty serve` flags");
    let mut help = help_flags("serve");
    readme.sort();
    help.sort();
    assert_eq!(readme, help);
}
