//! Relay pagination: `first`/`after` in, `edges { cursor node }` and `pageInfo` out.
//!
//! Cursors are opaque to clients (base64 of a sort key) and keyset-based, so a page costs one
//! index range scan however deep the client pages.

use super::error::{ApiError, ApiResult};
use async_graphql::Context;
use async_graphql::connection::{
    Connection, CursorType, DefaultConnectionName, DefaultEdgeName, DisableNodesField, Edge, EmptyFields,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// Page sizes, from the server's configuration.
#[derive(Clone, Copy, Debug)]
pub struct PageLimits {
    pub default_size: u64,
    pub max_size: u64,
}

impl PageLimits {
    pub const DEFAULT: Self = PageLimits { default_size: 20, max_size: 100 };
}

impl Default for PageLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An opaque cursor around a sort key chosen by the service that lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor(pub String);

/// A cursor this server did not issue.
#[derive(Debug)]
pub struct InvalidCursor;

impl std::fmt::Display for InvalidCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("`after` is not a cursor this server issued")
    }
}

impl CursorType for Cursor {
    type Error = InvalidCursor;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| InvalidCursor)?;
        String::from_utf8(bytes).map(Cursor).map_err(|_| InvalidCursor)
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.as_bytes())
    }
}

fn invalid_cursor() -> ApiError {
    ApiError::BadUserInput(InvalidCursor.to_string())
}

/// A Relay connection of `Node`s (type name `<Node>Connection`).
pub type Page<Node> =
    Connection<Cursor, Node, EmptyFields, EmptyFields, DefaultConnectionName, DefaultEdgeName, DisableNodesField>;

/// What a counted list adds to its connection: how many rows match its filters, over all
/// its pages.
#[derive(async_graphql::SimpleObject, Default)]
pub struct Total {
    /// How many match the list's filters, on every page, counted up to 10,000 (a bounded
    /// scan): that figure means "that many or more". Counted only when asked for.
    pub total_count: Option<i64>,
}

/// A Relay connection of `Node`s with `totalCount` (type name `<Node>Connection`).
pub type CountedPage<Node> =
    Connection<Cursor, Node, Total, EmptyFields, DefaultConnectionName, DefaultEdgeName, DisableNodesField>;

/// Where a count stops: past it, a count says "10,000 or more", and a trail of years costs
/// no more to count than that.
pub const COUNT_LIMIT: u64 = 10_000;

/// Whether the field being resolved was asked for its `totalCount`.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// How many rows `query` finds, counted over at most one more than [`COUNT_LIMIT`] and
/// answered as at most [`COUNT_LIMIT`].
pub async fn bounded_count<E: sea_orm::EntityTrait>(
    db: &impl sea_orm::ConnectionTrait,
    query: sea_orm::Select<E>,
) -> ApiResult<i64> {
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{QuerySelect, QueryTrait};
    let capped = query.select_only().expr(Expr::val(1)).limit(COUNT_LIMIT + 1).into_query();
    let count = Query::select().expr(Expr::cust("COUNT(*) AS n")).from_subquery(capped, "capped").to_owned();
    let row = db.query_one(&count).await.map_err(ApiError::from)?;
    let count: i64 = row.map(|r| r.try_get("", "n")).transpose().map_err(ApiError::from)?.unwrap_or(0);
    Ok(count.min(COUNT_LIMIT as i64))
}

/// Complexity of a connection field: its children count once per row of the page asked for.
/// What a whole report costs (a field that reads and returns a table's worth of rows, such as
/// the access report): aliases of it add up quickly.
pub const REPORT_COMPLEXITY: usize = 200;

/// The complexity of a list field of at most `max_len` items: every item pays for its fields.
pub fn list_complexity(max_len: usize, child_complexity: usize) -> usize {
    max_len.saturating_mul(child_complexity).saturating_add(1)
}

pub fn complexity(first: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.map_or(PageLimits::default().default_size as usize, |n| n.max(1) as usize);
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// A validated page request: how many rows, after which key.
#[derive(Clone, Debug)]
pub struct PageRequest {
    pub first: u64,
    pub after: Option<String>,
}

impl PageRequest {
    /// Checks `first` against the configured limits and decodes `after`.
    pub fn new(ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> ApiResult<Self> {
        let limits = ctx.data_opt::<PageLimits>().copied().unwrap_or_default();
        let first = match first {
            None => limits.default_size,
            Some(n) if n < 0 => return Err(ApiError::BadUserInput("`first` must not be negative".into())),
            Some(n) if n as u64 > limits.max_size => {
                return Err(ApiError::LimitExceeded(format!(
                    "`first` is {n}; a page holds at most {}",
                    limits.max_size
                )));
            }
            Some(n) => n as u64,
        };
        let after = after.map(|s| Cursor::decode_cursor(&s).map_err(|_| invalid_cursor())).transpose()?.map(|c| c.0);
        Ok(PageRequest { first, after })
    }

    /// The `after` key as a UUID, for lists ordered by id.
    pub fn after_id(&self) -> ApiResult<Option<Uuid>> {
        self.after_key(|key| Uuid::parse_str(key).ok())
    }

    /// The `after` key read by `parse`; a key it cannot read is `BAD_USER_INPUT`.
    pub fn after_key<T>(&self, parse: impl FnOnce(&str) -> Option<T>) -> ApiResult<Option<T>> {
        self.after.as_deref().map(|key| parse(key).ok_or_else(invalid_cursor)).transpose()
    }

    /// Whether this is a list's first page (no `after`): the page a relation loader batches.
    pub fn is_first_page(&self) -> bool {
        self.after.is_none()
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> u64 {
        self.first + 1
    }

    /// Builds the connection from up to `fetch_limit()` rows in order.
    pub fn into_page<Row, Node>(
        &self,
        mut rows: Vec<Row>,
        key: impl Fn(&Row) -> String,
        node: impl Fn(Row) -> Node,
    ) -> Page<Node>
    where
        Node: async_graphql::OutputType,
    {
        let has_next_page = rows.len() as u64 > self.first;
        rows.truncate(self.first as usize);
        let mut page = Page::new(self.after.is_some(), has_next_page);
        page.edges = rows.into_iter().map(|row| Edge::new(Cursor(key(&row)), node(row))).collect();
        page
    }

    /// [`into_page`](Self::into_page) with the list's total (`None`: not asked for).
    pub fn into_counted_page<Row, Node>(
        &self,
        mut rows: Vec<Row>,
        key: impl Fn(&Row) -> String,
        node: impl Fn(Row) -> Node,
        total_count: Option<i64>,
    ) -> CountedPage<Node>
    where
        Node: async_graphql::OutputType,
    {
        let has_next_page = rows.len() as u64 > self.first;
        rows.truncate(self.first as usize);
        let mut page = CountedPage::with_additional_fields(self.after.is_some(), has_next_page, Total { total_count });
        page.edges = rows.into_iter().map(|row| Edge::new(Cursor(key(&row)), node(row))).collect();
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor("0193a1b2-0000-7000-8000-000000000001".into());
        assert_eq!(Cursor::decode_cursor(&cursor.encode_cursor()).unwrap(), cursor);
        assert!(Cursor::decode_cursor("not base64!").is_err());
    }
}
