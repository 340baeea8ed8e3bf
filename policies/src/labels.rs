//! A record's security labels, and the rule that labels a claim `sud_part2` by itself.

use crate::SecurityLabel;

/// The set of [`SecurityLabel`]s one record carries, stored as a comma list
/// (`"sud_part2,restricted"`). A stored name this version does not know reads as
/// `restricted`: an unreadable label hides, it never opens.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq, Hash)]
pub struct Labels(u8);

impl Labels {
    pub const NONE: Labels = Labels(0);

    pub fn of(label: SecurityLabel) -> Self {
        Labels(Self::bit(label))
    }

    fn bit(label: SecurityLabel) -> u8 {
        match label {
            SecurityLabel::PsychotherapyNote => 1,
            SecurityLabel::SudPart2 => 2,
            SecurityLabel::Restricted => 4,
        }
    }

    /// The labels a stored comma list names.
    pub fn parse(text: &str) -> Self {
        text.split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .fold(Labels::NONE, |labels, name| labels.with(name.parse().unwrap_or(SecurityLabel::Restricted)))
    }

    pub fn contains(self, label: SecurityLabel) -> bool {
        self.0 & Self::bit(label) != 0
    }

    #[must_use]
    pub fn with(self, label: SecurityLabel) -> Self {
        Labels(self.0 | Self::bit(label))
    }

    #[must_use]
    pub fn union(self, other: Labels) -> Self {
        Labels(self.0 | other.0)
    }

    /// These labels but `others`.
    #[must_use]
    pub fn without_all(self, others: Labels) -> Self {
        Labels(self.0 & !others.0)
    }

    #[must_use]
    pub fn without(self, label: SecurityLabel) -> Self {
        Labels(self.0 & !Self::bit(label))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = SecurityLabel> {
        SecurityLabel::ALL.iter().copied().filter(move |label| self.contains(*label))
    }

    /// The comma list a column stores (`""` for none), in the vocabulary's order.
    pub fn to_text(self) -> String {
        self.iter().map(SecurityLabel::as_str).collect::<Vec<_>>().join(",")
    }
}

/// Whether an ICD-10-CM diagnosis code is a substance-use disorder in 42 CFR Part 2's sense:
/// the mental and behavioural disorders due to psychoactive substance use, F10 to F19, except
/// F17 (nicotine dependence): Part 2's definition of a substance-use disorder leaves tobacco
/// out (42 CFR 2.11). Caffeine is left out too, but ICD-10-CM files it under F15 with the
/// other stimulants, and no code tells the two apart, so F15 is labelled: a label wrongly set
/// hides a value that a consent then opens; one wrongly missing discloses it.
pub fn is_part2_diagnosis(code: &str) -> bool {
    let code = code.trim().to_ascii_uppercase();
    let mut chars = code.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some('F'), Some('1'), Some(d)) if d.is_ascii_digit() && d != '7')
}

/// The labels a claim gets by itself: `sud_part2` when a Part 2 program billed a substance-use
/// diagnosis (any of `codes`).
pub fn claim_labels<'a>(part2_program: bool, codes: impl IntoIterator<Item = &'a str>) -> Labels {
    if part2_program && codes.into_iter().any(is_part2_diagnosis) {
        Labels::of(SecurityLabel::SudPart2)
    } else {
        Labels::NONE
    }
}

/// The labels a care record gets by itself: every record of a Part 2 program is `sud_part2`
/// (the program's records are what Part 2 protects, whatever a note's codes say).
pub fn care_record_labels(part2_program: bool) -> Labels {
    if part2_program { Labels::of(SecurityLabel::SudPart2) } else { Labels::NONE }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substance_use_codes_are_f10_to_f19_but_not_nicotine() {
        for code in ["F10.20", "f11.10", "F1290", "F13.239", "F14", "F15.10", "F16.10", "F18.10", "F19.20"] {
            assert!(is_part2_diagnosis(code), "{code}");
        }
        for code in ["F17.210", "F17", "F20.9", "F41.1", "F1", "Z71.41", "", "F1X"] {
            assert!(!is_part2_diagnosis(code), "{code}");
        }
    }

    #[test]
    fn labels_round_trip_and_unknown_names_hide() {
        let both = Labels::of(SecurityLabel::SudPart2).with(SecurityLabel::Restricted);
        assert_eq!(Labels::parse(&both.to_text()), both);
        assert_eq!(Labels::parse(""), Labels::NONE);
        assert_eq!(Labels::parse("secret"), Labels::of(SecurityLabel::Restricted));
        assert!(both.without(SecurityLabel::SudPart2).contains(SecurityLabel::Restricted));
        assert!(!both.without(SecurityLabel::SudPart2).contains(SecurityLabel::SudPart2));
    }

    #[test]
    fn only_a_part2_program_labels_by_itself() {
        assert_eq!(claim_labels(true, ["F41.1", "F10.20"]), Labels::of(SecurityLabel::SudPart2));
        assert_eq!(claim_labels(false, ["F10.20"]), Labels::NONE);
        assert_eq!(claim_labels(true, ["F17.210"]), Labels::NONE);
        assert_eq!(care_record_labels(true), Labels::of(SecurityLabel::SudPart2));
    }
}
