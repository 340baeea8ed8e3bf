//! The one error type of ward's API, and the one place that maps it to `extensions.code`.

use async_graphql::ErrorExtensions as _;
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// The values of `extensions.code`, and the one table from each to its HTTP status.
/// Clients rely on these names; every answer ward gives (`/graphql` and the console) takes
/// its status from [`Code::http_status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    LimitExceeded,
    Unavailable,
    Internal,
}

impl Code {
    pub const ALL: [Code; 8] = [
        Code::Unauthenticated,
        Code::Forbidden,
        Code::NotFound,
        Code::BadUserInput,
        Code::Conflict,
        Code::LimitExceeded,
        Code::Unavailable,
        Code::Internal,
    ];

    /// The name in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Conflict => "CONFLICT",
            Code::LimitExceeded => "LIMIT_EXCEEDED",
            Code::Unavailable => "UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }

    /// The code an answer names; anything else (or nothing) is `INTERNAL`.
    pub fn parse(text: &str) -> Code {
        Code::ALL.into_iter().find(|c| c.as_str() == text).unwrap_or(Code::Internal)
    }

    /// The HTTP status of an answer refused with this code. A limit may name a more precise
    /// status where HTTP has one (413 for a body, 504 for the request timeout).
    pub fn http_status(self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            Code::Unauthenticated => S::UNAUTHORIZED,
            Code::Forbidden => S::FORBIDDEN,
            Code::NotFound => S::NOT_FOUND,
            Code::BadUserInput | Code::LimitExceeded => S::BAD_REQUEST,
            Code::Conflict => S::CONFLICT,
            Code::Unavailable => S::SERVICE_UNAVAILABLE,
            Code::Internal => S::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What resolvers return: `?` on an [`ApiError`] keeps its code.
pub type Gql<T> = async_graphql::Result<T>;

/// User mistakes carry a message meant for the user; unexpected failures carry a cause that
/// is logged and never shown.
///
/// Deliberately not `Display`: async-graphql turns any `Display` type into an error without a
/// code, so the only way out of an `ApiError` is [`From<ApiError> for async_graphql::Error`],
/// which sets `extensions.code`.
#[derive(Debug)]
pub enum ApiError {
    Unauthenticated(String),
    Forbidden(String),
    /// `FORBIDDEN` for a value a security label hides (`extensions.label` names it): a
    /// psychotherapy note, a Part 2 record, a patient's restriction.
    Restricted {
        label: policies::SecurityLabel,
        message: String,
    },
    /// What was not found, e.g. `patient 0193…`.
    NotFound(String),
    BadUserInput(String),
    Conflict(String),
    LimitExceeded(String),
    Unavailable(DbErr),
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> Code {
        match self {
            ApiError::Unauthenticated(_) => Code::Unauthenticated,
            ApiError::Forbidden(_) | ApiError::Restricted { .. } => Code::Forbidden,
            ApiError::NotFound(_) => Code::NotFound,
            ApiError::BadUserInput(_) => Code::BadUserInput,
            ApiError::Conflict(_) => Code::Conflict,
            ApiError::LimitExceeded(_) => Code::LimitExceeded,
            ApiError::Unavailable(_) => Code::Unavailable,
            ApiError::Internal(_) => Code::Internal,
        }
    }

    /// The message a client sees: never a cause chain, SQL or PHI.
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::BadUserInput(m)
            | ApiError::Conflict(m)
            | ApiError::LimitExceeded(m)
            | ApiError::Restricted { message: m, .. } => m.clone(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::Unavailable(_) => "the database is unavailable; try again shortly".into(),
            ApiError::Internal(_) => "internal error; the server log has the details under this request id".into(),
        }
    }

    pub fn internal(context: &'static str, cause: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(cause.into().context(context))
    }

    /// Maps a database error: lost connectivity is `UNAVAILABLE`, anything else `INTERNAL`.
    pub fn from_db(context: &'static str, err: DbErr) -> Self {
        if is_unavailable(&err) {
            ApiError::Unavailable(err)
        } else if sqlx_code(&err).as_deref() == Some("57014") {
            // PostgreSQL cancelled the statement at the request timeout (statement_timeout).
            ApiError::LimitExceeded("the request ran longer than the request timeout and was cancelled".into())
        } else {
            ApiError::internal(context, err)
        }
    }

    /// Logs what the client will not see (the cause of an internal or unavailable error).
    pub fn log(&self) {
        match self {
            ApiError::Internal(cause) => tracing::error!(error = format!("{cause:#}"), "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        ApiError::from_db("database query", err)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.log();
        let label = match &err {
            ApiError::Restricted { label, .. } => Some(label.as_str()),
            _ => None,
        };
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code().as_str());
            if let Some(label) = label {
                ext.set("label", label);
            }
        })
    }
}

/// The sqlx error beneath a database error, if there is one.
fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    }
}

/// The SQLSTATE of a database error, if the database gave one.
fn sqlx_code(err: &DbErr) -> Option<String> {
    match sqlx_error(err)? {
        sqlx::Error::Database(db) => db.code().map(|code| code.into_owned()),
        _ => None,
    }
}

/// SQLite's primary result code for a database another connection holds locked.
const SQLITE_BUSY: i32 = 5;

/// True when the error means the database cannot be reached, rather than a query being wrong.
pub fn is_unavailable(err: &DbErr) -> bool {
    if matches!(err, DbErr::ConnectionAcquire(_)) {
        return true;
    }
    match sqlx_error(err) {
        Some(
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Protocol(_)
            | sqlx::Error::Tls(_),
        ) => true,
        // SQLite: SQLITE_BUSY (5, with its extended codes) once the busy timeout ran out:
        // another writer held the write lock all that while.
        Some(sqlx::Error::Database(db)) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
            sqlx_code(err).and_then(|code| code.parse::<i32>().ok()).is_some_and(|code| code & 0xff == SQLITE_BUSY)
        }
        // PostgreSQL: class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect
        // now), 55000 for a database that does not accept connections.
        Some(sqlx::Error::Database(_)) => {
            sqlx_code(err).is_some_and(|code| code.starts_with("08") || code.starts_with("57P") || code == "55000")
        }
        _ => false,
    }
}
