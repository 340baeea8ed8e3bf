//! What the console says when the API refuses: sentences for the person at the screen. The
//! API's messages are written for developers (they name `recoveredCents`, `appeal.sentOn`,
//! `x-ward-purpose`, GraphQL types); a page never shows one as it is. This is the one place
//! that turns a code and a message into the console's own words.

use policies::Role;
use tools::kit::Code;

/// The API's field names, as a form's labels say them.
const FIELDS: &[(&str, &str)] = &[
    ("writeOff.amountCents", "the amount to write off (in cents)"),
    ("writeOff.adjustmentGroup", "the adjustment group"),
    ("writeOff.adjustmentCode", "the adjustment reason"),
    ("writeOff", "the write-off"),
    ("recoveredCents", "the recovered amount"),
    ("appeal.sentOn", "the date the appeal was sent"),
    ("appeal.sent", "what was sent with the appeal"),
    ("appeal", "the appeal"),
    ("body", "the comment"),
    ("note", "the note"),
    ("reason", "the reason"),
    ("subject", "the subject"),
    ("description", "the description"),
    ("findings", "the findings"),
    ("diagnosisCodes", "the diagnosis codes"),
    ("score", "the score"),
    ("reviewFlags", "the review flags"),
    ("assignee", "the assignee"),
    ("to", "the next step"),
    ("from", "the start date"),
    ("payer", "the payer"),
    ("minAmount", "the smallest amount"),
    ("serviceFrom", "the first service date"),
    ("serviceTo", "the last service date"),
    ("text", "the search words"),
    ("search", "the search words"),
    ("x-ward-purpose", "why you opened this record"),
];

/// Why a page shows a labelled value as restricted, in words.
pub fn label_refused(label: policies::SecurityLabel) -> &'static str {
    match label {
        policies::SecurityLabel::PsychotherapyNote => {
            "Restricted: psychotherapy note. Some values here open only under the patient's authorization on file, for your team and the reason you opened the record."
        }
        policies::SecurityLabel::SudPart2 => {
            "Restricted: substance-use disorder record (42 CFR Part 2). Some values here open only under the patient's consent on file, naming you or your team and the reason you opened the record."
        }
        policies::SecurityLabel::Restricted => {
            "Restricted at the patient's request: some values here are not shown to you."
        }
    }
}

/// An API error in words a person who is not an engineer understands.
pub fn in_words(code: Code, message: &str) -> String {
    let lead = match code {
        Code::Forbidden => "You do not have access to this.",
        Code::NotFound => "This record does not exist (or was removed).",
        Code::BadUserInput => "Please check what you entered:",
        Code::Conflict => "Someone changed this record while you were working on it.",
        Code::LimitExceeded => "That was too much to do at once:",
        Code::Unavailable => {
            return "ward cannot reach its database right now; nothing was changed. Please try again in a minute."
                .into();
        }
        Code::Unauthenticated => return "Your session ended; please sign in again.".into(),
        Code::Internal => {
            return "Something went wrong on our side; nothing was changed. The reference below helps support find it."
                .into();
        }
    };
    match code {
        // The policy's refusal names resources and actions: the console says instead what
        // is missing ([`forbidden_page`]). A rule's refusal ("nobody approves their own
        // request") is a sentence already.
        Code::Forbidden if is_policy_refusal(message) => {
            format!("{lead} Your roles do not allow it; an admin can tell you which role does.")
        }
        // Which version was expected, which id was looked for: the page says it in its own words.
        Code::Conflict | Code::NotFound => lead.to_owned(),
        _ => format!("{lead} {}", plain_message(message)),
    }
}

/// Whether a `FORBIDDEN` message is the policy's own ("resource · action is not allowed for
/// roles", `kit::access`), which names internals, rather than a rule's sentence.
pub fn is_policy_refusal(message: &str) -> bool {
    message.contains(" is not allowed for ")
}

/// The API's message with its developer's names said as the form says them; a GraphQL
/// validation message (an enum or a type the form never lets a person get wrong) as a
/// request to choose again.
pub fn plain_message(message: &str) -> String {
    if message.contains("enumeration type") || message.contains("Invalid value for argument") {
        return "one of the choices is not one ward offers; choose again from the list.".into();
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find('`') else { break };
        out.push_str(&rest[..start]);
        out.push_str(&field(&rest[start + 1..start + 1 + len]));
        rest = &rest[start + 2 + len..];
    }
    out.push_str(rest);
    statuses_in_words(&out.replace("x-ward-purpose", "why you opened this record"))
}

/// The API's status values, which its messages name as the schema spells them ("a move to
/// WON"); a page says "won". Only these: other capitals are codes people use (CO-45, NPI).
const STATUSES: &[&str] = &[
    "PENDING",
    "APPROVED",
    "REJECTED",
    "WITHDRAWN",
    "IN_REVIEW",
    "COMPLETED",
    "SUBMITTED",
    "PAID",
    "PARTIALLY_PAID",
    "DENIED",
    "APPEALED",
    "WRITTEN_OFF",
    "OPEN",
    "WON",
    "LOST",
    "RESOLVED",
    "CLOSED",
];

fn statuses_in_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    fn flush(word: &mut String, out: &mut String) {
        if STATUSES.contains(&word.as_str()) {
            out.push_str(&spoken(word))
        } else {
            out.push_str(word)
        }
        word.clear();
    }
    for c in message.chars() {
        if c.is_ascii_uppercase() || c == '_' || (c.is_ascii_alphanumeric() && !word.is_empty()) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A field's name as a label says it: the table's, or its words (`carcCode` → "the carc
/// code"); anything else in backticks (a placeholder's `{{`, a code) as it is.
fn field(name: &str) -> String {
    if let Some((_, label)) = FIELDS.iter().find(|(api, _)| *api == name) {
        return (*label).to_owned();
    }
    let identifier = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if !identifier {
        return name.to_owned();
    }
    format!("the {}", spoken(name.rsplit('.').next().unwrap_or(name)))
}

/// An identifier in words: `appealDeadline` → "appeal deadline", `in_review` → "in review",
/// `HIGH` → "high".
pub fn spoken(identifier: &str) -> String {
    let mut out = String::with_capacity(identifier.len() + 4);
    let mut previous_lower = false;
    for c in identifier.chars() {
        if c == '_' {
            out.push(' ');
            previous_lower = false;
        } else if c.is_uppercase() && previous_lower {
            out.push(' ');
            out.extend(c.to_lowercase());
            previous_lower = false;
        } else {
            out.extend(c.to_lowercase());
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// What a page a member's roles do not open says: which team's page it is, what they hold,
/// and whom to ask.
pub fn forbidden_page(path: &str, held: &[Role]) -> String {
    let team = match path.split('/').nth(1) {
        Some("cx") => Some("CX"),
        Some("ops" | "imports") => Some("ops"),
        Some("medical") => Some("medical"),
        Some("compliance") => Some("compliance"),
        Some("admin") => Some("admin"),
        _ => None,
    };
    let team = team.filter(|team| !held.iter().any(|r| r.as_str().eq_ignore_ascii_case(team)));
    let held: Vec<&str> = held.iter().map(|r| r.as_str()).collect();
    let holding = if held.is_empty() { "no role yet".to_owned() } else { format!("the {} role", held.join(" and ")) };
    match team {
        Some(team) => format!(
            "This page is the {team} team's, and you hold {holding}. If your work needs it, ask an admin for the {} role: a second admin approves it.",
            team.to_lowercase()
        ),
        None => format!(
            "Your roles do not open this (you hold {holding}). If your work needs it, ask an admin for the role that does."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn developers_names_become_the_forms_words() {
        assert_eq!(
            in_words(Code::BadUserInput, "`recoveredCents` goes only with a move to WON"),
            "Please check what you entered: the recovered amount goes only with a move to won"
        );
        assert_eq!(
            plain_message("`appeal.sentOn` 2030-01-01 is in the future"),
            "the date the appeal was sent 2030-01-01 is in the future"
        );
        assert_eq!(plain_message("`carcCode` is unknown"), "the carc code is unknown");
        assert_eq!(plain_message("a `{{` has no closing `}}`"), "a {{ has no closing }}");
        assert_eq!(plain_message("`CO` is not a group"), "CO is not a group");
        assert_eq!(
            plain_message("a move from IN_REVIEW to WRITTEN_OFF needs CO-45 and the NPI; REOPENED stays"),
            "a move from in review to written off needs CO-45 and the NPI; REOPENED stays"
        );
        let enum_message = "Invalid value for argument \"to\", enumeration type \"EscalationStatus\" does not contain the value \"BOGUS\"";
        assert!(!plain_message(enum_message).contains("EscalationStatus"));
        assert!(!in_words(Code::Forbidden, "care_review · read is not allowed for cx").contains("care_review"));
        assert!(
            in_words(Code::Forbidden, "nobody approves or rejects their own request").contains("their own request")
        );
    }

    #[test]
    fn a_forbidden_page_says_whose_it_is_and_whom_to_ask() {
        let said = forbidden_page("/medical/reviews", &[Role::Cx]);
        assert!(
            said.contains("medical team") && said.contains("the cx role") && said.contains("ask an admin"),
            "{said}"
        );
    }

    #[test]
    fn identifiers_become_words() {
        assert_eq!(spoken("appealDeadline"), "appeal deadline");
        assert_eq!(spoken("in_review"), "in review");
        assert_eq!(spoken("first_level"), "first level");
    }
}
