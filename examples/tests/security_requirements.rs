//! The security requirements table (`docs/security-requirements.md`) stays
//! true: every requirement of `../shared/SECURITY.md` (1 to 32) has a row,
//! every test a row names exists in the file it names, a row that holds names
//! at least one test, and a row that does not hold yet names the issue item
//! that will close it.

use std::collections::BTreeMap;
use std::path::Path;

/// How many requirements `SECURITY.md` lists.
const REQUIREMENTS: u32 = 32;

/// One row of the table.
#[derive(Debug)]
struct Row {
    tests: Vec<(String, String)>,
    status: String,
}

/// The rows by requirement number, or the problems with the table's shape.
fn parse(table: &str) -> Result<BTreeMap<u32, Row>, Vec<String>> {
    let mut rows = BTreeMap::new();
    let mut problems = Vec::new();
    for line in table.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let Some(Ok(number)) = cells.first().map(|c| c.parse::<u32>()) else { continue };
        if cells.len() != 4 {
            problems.push(format!("requirement {number}: {} cells, expected 4", cells.len()));
            continue;
        }
        let mut tests = Vec::new();
        for (i, piece) in cells[2].split('`').enumerate() {
            if i % 2 == 0 {
                continue;
            }
            match piece.split_once("::") {
                Some((file, name)) if !file.is_empty() && !name.is_empty() => {
                    tests.push((file.to_string(), name.to_string()))
                }
                _ => problems.push(format!("requirement {number}: `{piece}` is not `path::test_name`")),
            }
        }
        let row = Row { tests, status: cells[3].to_string() };
        if rows.insert(number, row).is_some() {
            problems.push(format!("requirement {number}: two rows"));
        }
    }
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

/// Whether `source` defines a test called `name` (Rust, Node or Python).
fn defines(source: &str, name: &str) -> bool {
    let ends_name = |rest: &str| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_');
    ["fn ", "def "]
        .iter()
        .any(|kw| source.match_indices(&format!("{kw}{name}")).any(|(i, m)| ends_name(&source[i + m.len()..])))
        || ["test('", "test(\"", "it('", "it(\""]
            .iter()
            .any(|kw| source.contains(&format!("{kw}{name}'")) || source.contains(&format!("{kw}{name}\"")))
}

/// Everything wrong with the table, checked against the files under `root`.
fn problems(table: &str, root: &Path) -> Vec<String> {
    let rows = match parse(table) {
        Ok(rows) => rows,
        Err(problems) => return problems,
    };
    let mut problems = Vec::new();
    for number in 1..=REQUIREMENTS {
        let Some(row) = rows.get(&number) else {
            problems.push(format!("requirement {number}: no row"));
            continue;
        };
        if row.status == "holds" {
            if row.tests.is_empty() {
                problems.push(format!("requirement {number}: holds but names no test"));
            }
        } else if let Some(rest) = row.status.strip_prefix("does not hold yet — issue item") {
            if !rest.trim_start_matches('s').trim().starts_with(|c: char| c.is_ascii_digit()) {
                problems.push(format!("requirement {number}: names no issue item: {}", row.status));
            }
        } else {
            problems.push(format!(
                "requirement {number}: status is `holds` or `does not hold yet — issue item N`, not `{}`",
                row.status
            ));
        }
        for (file, name) in &row.tests {
            match std::fs::read_to_string(root.join(file)) {
                Ok(source) if defines(&source, name) => {}
                Ok(_) => problems.push(format!("requirement {number}: {file} has no test `{name}`")),
                Err(e) => problems.push(format!("requirement {number}: {file}: {e}")),
            }
        }
    }
    if let Some(extra) = rows.keys().find(|n| **n == 0 || **n > REQUIREMENTS) {
        problems.push(format!("requirement {extra}: SECURITY.md has no such requirement"));
    }
    problems
}

#[test]
fn every_security_requirement_maps_to_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let table = std::fs::read_to_string(root.join("docs/security-requirements.md")).unwrap();
    let problems = problems(&table, root);
    assert!(problems.is_empty(), "docs/security-requirements.md:\n{}", problems.join("\n"));
}

#[test]
fn a_doctored_table_is_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let good = std::fs::read_to_string(root.join("docs/security-requirements.md")).unwrap();
    let row = |n: u32| good.lines().find(|l| l.starts_with(&format!("| {n} |"))).unwrap().to_string();
    let cases = [
        (good.replace(&row(7), ""), "requirement 7: no row"),
        (
            good.replace(
                "login_upgrades_hashes_made_with_other_parameters`",
                "login_upgrades_hashes_made_with_other_parameters_x`",
            ),
            "has no test `login_upgrades_hashes_made_with_other_parameters_x`",
        ),
        (
            good.replace("`core/tests/auth/main.rs::login_upgrades_hashes_made_with_other_parameters`", ""),
            "requirement 7: holds but names no test",
        ),
        (
            good.replace("| does not hold yet — issue item 14 |", "| does not hold yet — issue item |"),
            "requirement 31: names no issue item",
        ),
        (good.replace(&row(7), &format!("{}\n{}", row(7), row(7))), "requirement 7: two rows"),
        (format!("{good}\n| 33 | extra | | holds |\n"), "requirement 33"),
        (
            good.replace("`core/tests/auth/main.rs::login_upgrades", "`core/tests/auth/nope.rs::login_upgrades"),
            "nope.rs",
        ),
    ];
    for (table, expected) in cases {
        let found = problems(&table, root);
        assert!(found.iter().any(|p| p.contains(expected)), "expected {expected:?} in {found:#?}");
    }
    assert!(defines("async fn a_test() {}", "a_test") && !defines("fn a_test_more() {}", "a_test"));
    assert!(defines("test('starts', async () => {", "starts") && defines("def test_x(tmp):", "test_x"));
}
