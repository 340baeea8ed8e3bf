//! The page shell every console page shares (landmarks, the team's navigation, the session's
//! sign-out), and the small pieces pages are built of: a value or "restricted", money, dates,
//! the CSRF field, an error in words next to what it concerns.

use super::gql::{GqlError, Shown};
use super::words::in_words;
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};
use policies::Role;

/// Who the page is for, and what its forms must carry.
pub struct Frame<'a> {
    pub display_name: &'a str,
    pub sub: &'a str,
    pub roles: &'a [Role],
    pub csrf: &'a str,
    /// The page's path: its navigation item is marked current.
    pub path: &'a str,
    /// The address the browser should show (a page answering a form: the form's page).
    pub address: Option<&'a str>,
    /// Four eyes for the member: the count in the navigation, their decisions above the page.
    pub inbox: Option<&'a super::inbox::Inbox>,
    /// Seconds a session may go unused before it ends: the page warns a minute before.
    pub idle: u64,
    /// What the page's answers said of labelled records.
    pub labelled: Labelled,
}

/// What a page's answers said of labelled records: whether one carried a Part 2 value (the
/// page then carries the 42 CFR 2.32 notice), and the labels its refusals named.
#[derive(Clone, Debug, Default)]
pub struct Labelled {
    pub redisclosure_notice: Option<String>,
    pub refused: Vec<policies::SecurityLabel>,
}

impl Labelled {
    pub fn note(&mut self, answer: &super::gql::Answer) {
        if let Some(notice) = &answer.redisclosure_notice {
            self.redisclosure_notice = Some(notice.clone());
        }
        for label in answer.errors.iter().filter_map(|e| e.label.as_deref()?.parse().ok()) {
            if !self.refused.contains(&label) {
                self.refused.push(label);
            }
        }
    }

    fn markup(&self) -> Markup {
        html! {
            @if let Some(notice) = &self.redisclosure_notice {
                p.labelled role="note" data-redisclosure {
                    strong { "This page shows substance-use disorder records protected by 42 CFR Part 2. " }
                    (notice)
                }
            }
            @for label in &self.refused {
                p.labelled role="note" data-refused-label=(label.as_str()) {
                    (super::words::label_refused(*label))
                }
            }
        }
    }
}

/// The navigation item a page belongs to: the longest whose address is the path or a
/// folder of it (a ticket's page is under Tickets).
fn current(items: &[(&'static str, &'static str)], path: &str) -> Option<&'static str> {
    items
        .iter()
        .map(|(href, _)| *href)
        .filter(|href| path == *href || path.strip_prefix(href).is_some_and(|rest| rest.starts_with('/')))
        .max_by_key(|href| href.len())
}

/// The team pages a role opens, in the navigation's order.
fn nav_items(roles: &[Role]) -> Vec<(&'static str, &'static str)> {
    let mut items = Vec::new();
    for role in roles {
        let team: &[(&str, &str)] = match role {
            Role::Cx => &[("/cx/tickets", "Tickets")],
            Role::Ops => {
                &[("/ops/escalations", "Escalations"), ("/ops/denials", "Denials"), ("/ops/imports", "Imports")]
            }
            Role::Medical => &[
                ("/medical/reviews", "Reviews"),
                ("/medical/records", "Care records"),
                ("/medical/quality", "Provider quality"),
            ],
            Role::Compliance => &[
                ("/compliance/audit", "Audit log"),
                ("/compliance/break-glass", "Break-glass"),
                ("/compliance/patient", "Patient reports"),
            ],
            Role::Admin => &[("/admin/staff", "Staff")],
            // A service account signs no one in: it has no pages.
            Role::Integration => &[],
        };
        items.extend_from_slice(team);
    }
    if roles.iter().any(|r| matches!(r, Role::Ops | Role::Medical | Role::Admin)) {
        items.push(("/approvals", "Approvals"));
    }
    items
}

/// The document head: title, viewport, ward's own stylesheet (and script, on team pages).
fn head(title: &str, script: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · ward" }
            link rel="stylesheet" href="/console/assets/console.css";
            @if script { script src="/console/assets/console.js" defer {} }
        }
    }
}

pub fn page(frame: &Frame<'_>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, true))
            body data-address=[frame.address] data-member=(frame.sub) data-idle=(frame.idle) {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    span.brand { "ward" }
                    nav aria-label="Team pages" {
                        @let items = nav_items(frame.roles);
                        @let here = current(&items, frame.path);
                        @let waiting = frame.inbox.map_or(0, |i| i.waiting);
                        ul { @for (href, label) in &items {
                            li { a href=(href) aria-current=[(here == Some(*href)).then_some("page")] {
                                (label)
                                @if *href == "/approvals" && waiting > 0 { " " span.count { (waiting) " waiting" } }
                            } }
                        } }
                    }
                    form.signout method="post" action="/signout" {
                        (csrf_field(frame.csrf))
                        span { (frame.display_name) " (" (frame.sub) ")" }
                        button type="submit" { "Sign out" }
                    }
                }
                main id="main" tabindex="-1" {
                    (super::inbox::banner(frame.inbox, frame.csrf, frame.address.unwrap_or(frame.path)))
                    h1 { (title) }
                    (frame.labelled.markup())
                    (body)
                }
                (idle_warning())
                footer { "Every view of patient data here is recorded. Sessions end after inactivity." }
            }
        }
    }
}

/// The warning the script shows a minute before an unused session ends, and what it says once
/// the session has ended (hidden until then; without the script the session simply ends).
fn idle_warning() -> Markup {
    html! {
        div.idle id="idle" role="alertdialog" aria-labelledby="idle-said" hidden {
            p id="idle-said" data-ending="You will be signed out in a minute, because nothing has reached ward from this page for a while. What you have typed here stays in this tab." data-ended="You have been signed out after a period of inactivity. What you typed here stays in this tab: sign in again to go on." {}
            button type="button" data-stay { "Stay signed in" }
            a data-sign-in hidden href="/signin?expired=1" { "Sign in again" }
        }
    }
}

/// A page outside a session (sign-in, a message).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, false))
            body { main id="main" { h1 { (title) } (body) } }
        }
    }
}

pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

pub fn restricted() -> Markup {
    html! { span.restricted { "restricted: not for your role" } }
}

/// What a page writes for a value that is not there.
const NONE: &str = "—";

/// A value as a page writes it: "—" for none, a list's items joined with commas.
pub trait Plain {
    fn plain(&self) -> String;
}

impl Plain for str {
    fn plain(&self) -> String {
        self.to_owned()
    }
}

impl Plain for String {
    fn plain(&self) -> String {
        self.clone()
    }
}

impl Plain for i64 {
    fn plain(&self) -> String {
        self.to_string()
    }
}

impl<T: Plain + ?Sized> Plain for &T {
    fn plain(&self) -> String {
        (**self).plain()
    }
}

impl<T: Plain> Plain for Option<T> {
    fn plain(&self) -> String {
        self.as_ref().map_or_else(|| NONE.to_owned(), Plain::plain)
    }
}

impl<T: Plain> Plain for [T] {
    fn plain(&self) -> String {
        self.iter().map(Plain::plain).collect::<Vec<_>>().join(", ")
    }
}

impl<T: Plain> Plain for Vec<T> {
    fn plain(&self) -> String {
        self.as_slice().plain()
    }
}

pub fn plain(value: &(impl Plain + ?Sized)) -> String {
    value.plain()
}

/// A field as text, "restricted" if it was refused, "—" if empty.
pub fn value<T: Plain>(field: &Shown<T>) -> Markup {
    match field {
        Shown::Value(value) => html! { (plain(value)) },
        Shown::Refused => restricted(),
    }
}

/// A field of a value that may itself be refused or absent: "restricted" or "—" as the
/// value is (a refused patient's name is restricted too).
pub fn value_in<P>(parent: &Shown<Option<P>>, field: impl FnOnce(&P) -> Markup) -> Markup {
    match parent {
        Shown::Value(Some(parent)) => field(parent),
        Shown::Value(None) => html! { (NONE) },
        Shown::Refused => restricted(),
    }
}

/// Cents as dollars, "restricted" if refused.
pub fn money(cents: &Shown<Option<i64>>) -> Markup {
    match cents {
        Shown::Value(cents) => html! { (cents.map_or_else(|| NONE.to_owned(), dollars)) },
        Shown::Refused => restricted(),
    }
}

pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}${}.{:02}", thousands(cents / 100), cents % 100)
}

/// `12345` as "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// A timestamp as `2026-11-26 14:05 UTC`.
pub fn when<'a>(at: impl Into<Option<&'a DateTime<Utc>>>) -> String {
    at.into().map_or_else(|| NONE.to_owned(), |at| at.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// A past moment as people say it ("just now", "5 min ago", "3 h ago", "2 d ago"), the
/// exact time on hover and for machines.
pub fn ago(at: &DateTime<Utc>) -> Markup {
    let seconds = (Utc::now() - *at).num_seconds().max(0);
    let text = match seconds {
        0..60 => "just now".to_owned(),
        60..3_600 => format!("{} min ago", seconds / 60),
        3_600..86_400 => format!("{} h ago", seconds / 3_600),
        _ => format!("{} d ago", seconds / 86_400),
    };
    moment(at, &text)
}

/// A deadline as people say it ("due in 40 min", "due in 3 h", "overdue 2 d"), the exact
/// time on hover and for machines.
pub fn due(at: &DateTime<Utc>) -> Markup {
    let seconds = (*at - Utc::now()).num_seconds();
    let span = |s: i64| match s {
        0..3_600 => format!("{} min", (s / 60).max(1)),
        3_600..86_400 => format!("{} h", s / 3_600),
        _ => format!("{} d", s / 86_400),
    };
    let text = if seconds >= 0 { format!("due in {}", span(seconds)) } else { format!("overdue {}", span(-seconds)) };
    moment(at, &text)
}

fn moment(at: &DateTime<Utc>, text: &str) -> Markup {
    html! { time datetime=(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) title=(when(at)) { (text) } }
}

/// An error in words, announced to screen readers, next to what it concerns.
pub fn error(err: &GqlError) -> Markup {
    html! {
        p.error role="alert" {
            (in_words(err.code, &err.message))
            @if err.code == tools::kit::Code::Internal { " " span.code { "(" (err.code) ")" } }
        }
    }
}

/// The errors of an answer that concern `field` (a mutation's), or all of them.
pub fn errors(errors: &[GqlError]) -> Markup {
    html! { @for err in errors { (error(err)) } }
}

/// A short message after a change ("Saved").
pub fn notice(text: &str) -> Markup {
    html! { p.notice role="status" { (text) } }
}
