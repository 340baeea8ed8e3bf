//! A patient's accounting of disclosures: the report ([`report`]), its words ([`words`]), and
//! the one CSV writer that `ward audit export` and the console's download share, so the
//! document a patient receives reads the same whoever exported it.
//!
//! 45 CFR 164.528(b)(2) asks, for each disclosure: (i) its date, (ii) the name of who received
//! the PHI, (iii) a brief description of what was disclosed, (iv) a brief statement of its
//! purpose. The file opens with who it is about, the period, who prepared it and when (one
//! line each, padded to the table's width so a strict reader still reads it); then a blank
//! line, and the table. Its first eleven columns are the ones clients have read since the
//! first version, in their order: the codes (`date`, `recipient_sub`, `phi_classes`, `purpose`
//! as the request stated it, then after `; ` the reason the trail recorded, ...). After them
//! the same line in words for a person: the recipient's title, how many times, until when,
//! what was seen and why. Repeated views of one record on one day are one line: `date` and
//! `request_id`, `audit_seq` are the first view's, `audit_seqs` lists every one. Emergency
//! access (opened, reviewed, ended) has its lines too, `record_type` `break_glass`.
//!
//! The file is opened in spreadsheets, and some of what it carries was typed by people (a
//! search term, a display name, a break-glass reason), so a cell that a spreadsheet would run
//! as a formula is neutralised the way OWASP advises for CSV injection: prefixed with `'`.

mod query;
pub mod report;
pub mod words;

pub use query::AccountingQuery;
pub use report::{Kind, Line, Period, Person, Report};

use chrono::SecondsFormat;
use std::borrow::Cow;
use std::io;

/// The table's header row, in order: the first eleven are the stable ones.
pub const COLUMNS: [&str; 17] = [
    "date",
    "recipient_name",
    "recipient_sub",
    "recipient_roles",
    "phi_classes",
    "record_type",
    "record_id",
    "purpose",
    "outcome",
    "request_id",
    "audit_seq",
    "recipient_title",
    "times",
    "last_date",
    "what",
    "why",
    "audit_seqs",
];

/// The purpose cell of a disclosure whose request stated no purpose and recorded no reason.
pub const NONE_STATED: &str = "none stated";

fn time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Line {
    /// The purpose cell: the stated purpose, then the recorded reason.
    fn purpose_cell(&self) -> String {
        match (&self.purpose, &self.reason) {
            (Some(purpose), Some(reason)) => format!("{purpose}; {reason}"),
            (Some(why), None) | (None, Some(why)) => why.clone(),
            (None, None) => NONE_STATED.to_owned(),
        }
    }

    /// The line's cells, in [`COLUMNS`] order, before neutralising.
    fn cells(&self) -> [String; 17] {
        [
            time(&self.first),
            self.recipient.name.clone().unwrap_or_default(),
            self.recipient.sub.clone(),
            self.roles.join(","),
            self.phi_classes.join(","),
            self.record_type.clone(),
            self.record_id.clone().unwrap_or_default(),
            self.purpose_cell(),
            if self.break_glass { "break_glass" } else { "allowed" }.to_owned(),
            self.request_id.clone(),
            self.seqs.first().map(i64::to_string).unwrap_or_default(),
            self.recipient.title.clone().unwrap_or_default(),
            self.times.to_string(),
            time(&self.last),
            self.what.clone(),
            self.why.clone(),
            self.seqs.iter().map(i64::to_string).collect::<Vec<_>>().join(" "),
        ]
    }
}

/// The lines above the table: who, which period, by whom, when.
fn preamble(report: &Report) -> Vec<[String; 2]> {
    let period = &report.period;
    vec![
        ["Accounting of disclosures of".into(), report.patient.name.clone()],
        ["Date of birth".into(), report.patient.date_of_birth.to_string()],
        ["Insurance member id".into(), report.patient.member_id.clone()],
        ["Period (UTC days, both included)".into(), format!("{} to {}", period.from, period.to)],
        ["Prepared by".into(), report.generated_by.named()],
        ["Prepared at".into(), time(&report.generated_at)],
        notice_line(),
    ]
}

/// The 42 CFR 2.32 notice every CSV export ward writes carries above its table, whether or
/// not it holds a Part 2 record: a notice only where one is would itself say so.
pub(crate) fn notice_line() -> [String; 2] {
    ["Notice (42 CFR 2.32)".into(), crate::kit::on_file::consents::REDISCLOSURE_NOTICE.into()]
}

/// `cell` as a spreadsheet will show it: one that starts with `=`, `+`, `-`, `@`, a tab, a
/// carriage return or a line feed would be read as a formula, so it gets a leading `'`.
pub(crate) fn neutralised(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes `report` to `out`: the lines that name it, a blank line, the header, then one row
/// per line, oldest first, every cell neutralised and every row as wide as the header.
pub fn write(out: impl io::Write, report: &Report) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    let width = COLUMNS.len();
    let padded = |cells: Vec<String>| {
        let mut row: Vec<String> = cells.iter().map(|cell| neutralised(cell).into_owned()).collect();
        row.resize(width, String::new());
        row
    };
    for line in preamble(report) {
        csv.write_record(padded(line.to_vec())).map_err(io::Error::other)?;
    }
    csv.write_record(padded(Vec::new())).map_err(io::Error::other)?;
    csv.write_record(COLUMNS).map_err(io::Error::other)?;
    let mut lines: Vec<&Line> = report.lines.iter().collect();
    lines.sort_by_key(|line| (line.first, line.seqs.first().copied()));
    for line in lines {
        csv.write_record(padded(line.cells().to_vec())).map_err(io::Error::other)?;
    }
    csv.flush()
}

/// How many lines above the header [`write`] puts (a reader skips them to reach the table).
pub const PREAMBLE_LINES: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};

    fn line() -> Line {
        let at = DateTime::parse_from_rfc3339("2026-03-01T09:30:00.123456Z").unwrap().with_timezone(&Utc);
        Line {
            kind: Kind::Disclosure,
            first: at,
            last: at,
            times: 1,
            recipient: Person {
                sub: "owen".into(),
                name: Some("Owen Becker".into()),
                title: Some("Claims Specialist".into()),
            },
            roles: vec!["ops".into()],
            phi_classes: vec!["contact".into(), "identity".into()],
            record_type: "patient".into(),
            record_id: Some("01939f6e-7a2b-7c3d-8e4f-5a6b7c8d9e0f".into()),
            purpose: None,
            reason: None,
            break_glass: false,
            request_id: "req-1".into(),
            seqs: vec![7],
            what: "Saw name".into(),
            why: "no purpose stated".into(),
        }
    }

    fn report(lines: Vec<Line>) -> Report {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        Report {
            patient: report::NamedPatient {
                id: uuid::Uuid::nil(),
                name: "Rosa Garcia".into(),
                date_of_birth: NaiveDate::from_ymd_opt(1984, 3, 2).unwrap(),
                member_id: "MBR123".into(),
            },
            period: Period { from: day, to: day },
            generated_at: DateTime::parse_from_rfc3339("2026-03-02T10:00:00Z").unwrap().with_timezone(&Utc),
            generated_by: Person {
                sub: "cora".into(),
                name: Some("Cora Lindqvist".into()),
                title: Some("Privacy Officer".into()),
            },
            lines,
        }
    }

    fn written(report: &Report) -> String {
        let mut out = Vec::new();
        write(&mut out, report).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn rows(csv: &str) -> Vec<Vec<String>> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
        reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_prefixed_with_a_quote() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1"] {
            assert_eq!(neutralised(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in ["", "owen", "matched contact search \"=1\"", " =1", "'=1", "2026-03-01T09:30:00Z"] {
            assert_eq!(neutralised(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn the_document_names_the_patient_the_period_and_who_prepared_it_then_the_table() {
        let later = Line { seqs: vec![9], first: line().first + chrono::Duration::seconds(1), ..line() };
        let csv = written(&report(vec![later, line()]));
        let rows = rows(&csv);
        assert!(rows.iter().all(|r| r.len() == COLUMNS.len()), "a strict reader reads every row: {csv}");
        assert_eq!(rows[0][..2], ["Accounting of disclosures of", "Rosa Garcia"]);
        assert_eq!(rows[3][1], "2026-03-01 to 2026-03-01");
        assert_eq!(rows[4][1], "Cora Lindqvist, Privacy Officer");
        assert_eq!(rows[5][1], "2026-03-02T10:00:00.000000Z");
        assert_eq!(rows[6][0], "Notice (42 CFR 2.32)");
        assert!(rows[6][1].contains("42 CFR part 2 prohibits unauthorized use or disclosure"));
        assert!(rows[7].iter().all(String::is_empty));
        assert_eq!(rows[PREAMBLE_LINES], COLUMNS);
        assert_eq!(
            rows[PREAMBLE_LINES + 1][..11],
            [
                "2026-03-01T09:30:00.123456Z",
                "Owen Becker",
                "owen",
                "ops",
                "contact,identity",
                "patient",
                "01939f6e-7a2b-7c3d-8e4f-5a6b7c8d9e0f",
                "none stated",
                "allowed",
                "req-1",
                "7"
            ]
        );
        assert_eq!(
            rows[PREAMBLE_LINES + 1][11..],
            ["Claims Specialist", "1", "2026-03-01T09:30:00.123456Z", "Saw name", "no purpose stated", "7"]
        );
        assert_eq!(rows[PREAMBLE_LINES + 2][10], "9", "oldest first");
    }

    #[test]
    fn the_purpose_is_the_stated_one_then_the_recorded_reason() {
        let both =
            Line { purpose: Some("ticket:1".into()), reason: Some("matched contact search \"ga\"".into()), ..line() };
        assert_eq!(both.cells()[7], "ticket:1; matched contact search \"ga\"");
        assert_eq!(Line { purpose: Some("claim:2".into()), ..line() }.cells()[7], "claim:2");
        assert_eq!(Line { reason: Some("matched".into()), ..line() }.cells()[7], "matched");
    }

    #[test]
    fn a_line_of_repeated_views_counts_them_and_lists_every_event() {
        let last = line().first + chrono::Duration::minutes(40);
        let cells = Line { times: 3, last, seqs: vec![7, 8, 12], ..line() }.cells();
        assert_eq!((cells[10].as_str(), cells[12].as_str(), cells[16].as_str()), ("7", "3", "7 8 12"));
        assert_eq!(cells[13], "2026-03-01T10:10:00.123456Z");
    }

    #[test]
    fn every_cell_is_neutralised_and_still_one_cell() {
        let hostile = Line {
            recipient: Person {
                sub: "-owen".into(),
                name: Some("=HYPERLINK(\"https://evil.example\",\"x\")".into()),
                title: None,
            },
            reason: Some("@cmd,\"\n=2".into()),
            ..line()
        };
        let mut hostile_report = report(vec![hostile]);
        hostile_report.patient.name = "=cmd".into();
        let rows = rows(&written(&hostile_report));
        assert_eq!(rows[0][1], "'=cmd");
        let row = &rows[PREAMBLE_LINES + 1];
        assert_eq!(row.len(), COLUMNS.len());
        assert_eq!(row[1], "'=HYPERLINK(\"https://evil.example\",\"x\")");
        assert_eq!(row[2], "'-owen");
        assert_eq!(row[7], "'@cmd,\"\n=2");
    }
}
