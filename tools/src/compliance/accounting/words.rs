//! The accounting in words a patient reads: what was seen, from which record, why, and how it
//! was allowed. The codes (`contact`, `ticket:<id>`, `break_glass`) stay in their own columns
//! for the machines; these sentences sit beside them.

/// A PHI class as a patient would say it.
pub fn phi_class(class: &str) -> &str {
    match class {
        "contact" => "name and contact details",
        "identity" => "date of birth and insurance member id",
        "clinical" => "clinical information (care records, diagnoses)",
        "billing" => "billing information (procedures, amounts, payments)",
        "correspondence" => "messages in a support ticket",
        "psychotherapy_notes" => "your therapist's psychotherapy notes",
        other => other,
    }
}

/// The classes of one line, joined as a sentence: "name and contact details; date of birth
/// and insurance member id".
pub fn phi_classes(classes: &[String]) -> String {
    classes.iter().map(|c| phi_class(c)).collect::<Vec<_>>().join("; ")
}

/// The record the PHI was read from, with its article.
pub fn record(record_type: &str) -> &str {
    match record_type {
        "patient" => "your patient record",
        "ticket" => "a support ticket",
        "claim" => "an insurance claim",
        "denial" => "a claim denial",
        "escalation" => "a claim appeal",
        "care_record" => "a care record",
        "care_review" => "a care-quality review",
        "appointment" => "an appointment",
        "break_glass" => "emergency access",
        other => other,
    }
}

/// A team, as the line's "how" says it.
pub fn role(role: &str) -> &str {
    match role {
        "cx" => "patient support",
        "ops" => "billing and claims",
        "medical" => "clinical quality",
        "compliance" => "privacy and compliance",
        "admin" => "administration",
        other => other,
    }
}

/// The purpose of use a request stated (`ticket:<id>`, ...), in words.
pub fn purpose(purpose: &str) -> String {
    let kind = purpose.split_once(':').map_or(purpose, |(kind, _)| kind);
    match kind {
        "ticket" => "working on a support ticket about you".into(),
        "claim" => "working on an insurance claim of yours".into(),
        "escalation" => "appealing a denied claim of yours".into(),
        "care_review" => "a review of the quality of your care".into(),
        "care_record" => "your care, from your care records".into(),
        "break_glass" => "emergency access".into(),
        _ => purpose.into(),
    }
}

/// A reason the audit trail recorded, in words: a search's term (`matched contact search
/// "gar"`) reads as the search that found the patient, and what opened a labelled record
/// (an authorization, a Part 2 consent, an emergency) as the patient knows it.
pub fn reason(reason: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    for part in reason.split("; ") {
        let said = if let Some(term) = search_term(part) {
            format!("found you by searching for {term}")
        } else if let Some(id) = part.strip_prefix("under authorization ") {
            format!("under the authorization you signed ({id})")
        } else if let Some(id) = part.strip_prefix("under consent ") {
            format!("under the consent you signed for your substance-use treatment records ({id})")
        } else if part.starts_with("a Part 2 record in a medical emergency") {
            "your substance-use treatment records, in a medical emergency (42 CFR 2.51)".to_owned()
        } else if part.starts_with("a restricted record in an emergency") {
            "in an emergency, a record you asked us to restrict (45 CFR 164.522)".to_owned()
        } else {
            part.to_owned()
        };
        if !terms.contains(&said) {
            terms.push(said);
        }
    }
    terms.join("; ")
}

/// The quoted term of `matched <class> search "<term>"`.
fn search_term(part: &str) -> Option<&str> {
    let rest = part.strip_prefix("matched ")?;
    let (_, term) = rest.split_once(" search ")?;
    Some(term)
}

/// Why, in words: the stated purpose, then what the record says; "no purpose stated" when
/// there is neither (a blank would read as a gap in the record).
pub fn why(purpose: Option<&str>, reason: Option<&str>) -> String {
    let said: Vec<String> = purpose.map(self::purpose).into_iter().chain(reason.map(self::reason)).collect();
    if said.is_empty() { "no purpose stated".into() } else { capitalised(&said.join("; ")) }
}

/// How it was allowed: the recipient's team, or emergency access.
pub fn how(roles: &[String], break_glass: bool) -> String {
    if break_glass {
        return "emergency access (break-glass)".into();
    }
    match roles {
        [] => "no team recorded".into(),
        roles => format!("their team: {}", roles.iter().map(|r| role(r)).collect::<Vec<_>>().join(", ")),
    }
}

/// `text` with its first letter in capitals.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_reads_as_the_search_that_found_the_patient() {
        let recorded = "matched contact search \"gar\"; matched identity search \"gar\"";
        assert_eq!(why(None, Some(recorded)), "Found you by searching for \"gar\"");
        assert_eq!(
            why(Some("ticket:0193"), Some("matched contact search \"ma\"")),
            "Working on a support ticket about you; found you by searching for \"ma\""
        );
        assert_eq!(why(None, None), "no purpose stated");
    }

    #[test]
    fn what_opened_a_labelled_record_reads_as_the_patient_knows_it() {
        let recorded = "under consent 0193; a Part 2 record in a medical emergency (42 CFR 2.51)";
        assert_eq!(
            why(Some("claim:0194"), Some(recorded)),
            "Working on an insurance claim of yours; under the consent you signed for your substance-use treatment \
             records (0193); your substance-use treatment records, in a medical emergency (42 CFR 2.51)"
        );
        assert!(why(None, Some("a restricted record in an emergency (x)")).contains("you asked us to restrict"));
    }

    #[test]
    fn codes_become_words() {
        assert_eq!(
            phi_classes(&["contact".into(), "identity".into()]),
            "name and contact details; date of birth and insurance member id"
        );
        assert_eq!(how(&["ops".into()], false), "their team: billing and claims");
        assert_eq!(how(&["cx".into()], true), "emergency access (break-glass)");
        assert_eq!(record("care_record"), "a care record");
    }
}
