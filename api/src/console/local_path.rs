//! Where a form may send the browser back to: a path of ward's own, never another site.
//!
//! A caller-supplied target (the break-glass form's `back=`) is an open redirect unless it is
//! read the way a browser will read the `Location` header: browsers strip tabs and newlines
//! before parsing (`/\t/evil.example` is `//evil.example`, another host), treat `\` as `/`,
//! and resolve `.` and `..` segments (`/.//evil` is `//evil`). So a target is refused outright
//! when it holds anything a browser would strip or reinterpret, is then parsed by the WHATWG
//! parser against a dummy origin, and only the parser's own normalised path and query are
//! sent back, after checking that they still name a path on that origin and that no encoded
//! slash, backslash or control character would become one further down the line.

use url::Url;

/// Any host will do, as long as a target cannot leave it: only the path and query are kept.
const BASE: &str = "http://ward.invalid/";

/// `target` as a same-origin path and query to redirect to, or `None` (the caller then uses
/// its default page). Strict on purpose: a path with `//` anywhere, even encoded, is refused.
pub fn local_path(target: &str) -> Option<String> {
    if target.chars().any(|c| c.is_ascii_control() || c == ' ' || c == '\\') {
        return None;
    }
    let mut bytes = target.bytes();
    if bytes.next() != Some(b'/') || matches!(bytes.next(), Some(b'/' | b'\\')) {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let url = base.join(target).ok()?;
    if url.origin() != base.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let path = url.path();
    let decoded = percent_decoded(path);
    if path.starts_with("//")
        || decoded.windows(2).any(|pair| pair == b"//")
        || decoded.iter().any(|b| *b == b'\\' || b.is_ascii_control())
    {
        return None;
    }
    Some(match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    })
}

/// `text` with every `%XX` decoded to its byte (a `%` not followed by two hex digits stays).
fn percent_decoded(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn ordinary_paths_and_their_queries_survive() {
        let ticket = "/cx/tickets/01939f6e-7a2b-7c3d-8e4f-5a6b7c8d9e0f?status=open";
        assert_eq!(local_path(ticket).as_deref(), Some(ticket));
        assert_eq!(local_path("/").as_deref(), Some("/"));
        assert_eq!(
            local_path("/ops/escalations?assignee=me&after=abc_-").as_deref(),
            Some("/ops/escalations?assignee=me&after=abc_-")
        );
    }

    #[test]
    fn the_parsers_normalised_form_is_what_is_sent_back() {
        assert_eq!(local_path("/cx/./tickets/../tickets").as_deref(), Some("/cx/tickets"));
        assert_eq!(local_path("/cx/tickets#top").as_deref(), Some("/cx/tickets"), "the fragment is the browser's");
        assert_eq!(local_path("/cx/tickets?q=a\"b").as_deref(), Some("/cx/tickets?q=a%22b"));
        assert_eq!(local_path("/caf\u{e9}").as_deref(), Some("/caf%C3%A9"));
    }

    #[test]
    fn another_site_in_any_spelling_is_refused() {
        for target in [
            "//evil.example",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r\n/evil",
            " //evil",
            "/%09/evil.example",
            "/%2F%2Fevil",
            "/%2f%2fevil",
            "/%2F/evil",
            "/./%2F/evil",
            "/.//evil",
            "/..//evil",
            "/%2e%2e//evil",
            "/%5Cevil.example",
            "/x/%5C%5Cevil",
            "https://evil.example",
            "http://ward.invalid/x",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "evil.example",
            "",
            "/x y",
            "/x\u{7f}",
            "/x%00",
        ] {
            assert_eq!(local_path(target), None, "{target:?}");
        }
    }

    #[test]
    fn a_path_whose_slashes_double_anywhere_is_refused() {
        assert_eq!(local_path("/cx//tickets"), None);
        assert_eq!(local_path("/cx/%2F/tickets"), None);
    }
}
