//! Reference code sets (X12 CARC/RARC denial codes, CPT and ICD-10 codes of outpatient
//! mental-health care), embedded at build time from `tools/data`.

use std::sync::LazyLock;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub description: &'static str,
}

/// A CARC with the group code a denial usually carries (CO, PR, OA).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carc {
    pub code: &'static str,
    pub usual_group: &'static str,
    pub description: &'static str,
}

pub static CARC: LazyLock<Vec<Carc>> = LazyLock::new(|| {
    rows(include_str!("../../data/carc.csv"))
        .map(|f| Carc { code: f[0], usual_group: f[1], description: f[2] })
        .collect()
});

pub static RARC: LazyLock<Vec<Code>> = LazyLock::new(|| {
    rows(include_str!("../../data/rarc.csv")).map(|f| Code { code: f[0], description: f[1] }).collect()
});

pub static CPT: LazyLock<Vec<Code>> = LazyLock::new(|| system("CPT"));

pub static ICD10: LazyLock<Vec<Code>> = LazyLock::new(|| system("ICD-10"));

fn system(name: &str) -> Vec<Code> {
    rows(include_str!("../../data/behavioral_health_codes.csv"))
        .filter(|f| f[0] == name)
        .map(|f| Code { code: f[1], description: f[2] })
        .collect()
}

/// The data rows of a small, trusted CSV file (header skipped; `"…"` fields may hold commas).
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines().skip(1).filter(|line| !line.trim().is_empty()).map(fields)
}

fn fields(line: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
            rest = rest.strip_prefix(',').unwrap_or(rest);
            if rest.is_empty() {
                return out;
            }
        } else {
            match rest.split_once(',') {
                Some((field, tail)) => {
                    out.push(field);
                    rest = tail;
                }
                None => {
                    out.push(rest);
                    return out;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_sets_load_with_descriptions() {
        assert!(CARC.iter().any(|c| c.code == "29" && c.usual_group == "CO"));
        let m76 = RARC.iter().find(|c| c.code == "M76").unwrap();
        assert_eq!(m76.description, "Missing, incomplete or invalid diagnosis or condition");
        assert!(CPT.iter().any(|c| c.code == "90837"));
        assert!(ICD10.iter().any(|c| c.code == "F41.1"));
        assert!(CPT.len() >= 5 && ICD10.len() >= 5);
    }
}
