use serde::{Deserialize, Serialize};
use std::fmt;

/// The one error type the server sends to the browser. Each variant is something a reader
/// can act on; database and internal details stay in the server log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("请先登录")]
    Unauthorized,
    #[error("请求来源不被允许")]
    Forbidden,
    /// Signed in, but without the role the action needs.
    #[error("没有权限执行这个操作")]
    NotPermitted,
    #[error("页面不存在")]
    NotFound,
    #[error("{message}")]
    Validation { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// The reader is banned: the message says until when and why (`model::ban_message`).
    #[error("{0}")]
    Banned(String),
    #[error("操作太频繁，请 {retry_after_secs} 秒后再试")]
    RateLimited { retry_after_secs: u64 },
    #[error("服务器暂时出错，请稍后再试")]
    Internal,
    /// The database cannot take the request now (locked, read-only, disk full): nothing was
    /// changed, and the same request may succeed in a moment.
    #[error("服务暂时不可用，请稍后再试 (service temporarily unavailable)")]
    Unavailable,
    /// The request never reached a server function or its answer could not be read.
    #[error("网络错误，请检查连接后重试")]
    Network(String),
}

/// What a failed plain form post (no JavaScript) was sent back to its form with: the field at
/// fault (`form` for the whole form), the message, and what the reader typed (never a
/// password). It travels in a short-lived server-side flash keyed by an HttpOnly cookie, never
/// in the address (`server::flash`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    pub field: String,
    pub message: String,
    pub kept: Vec<(String, String)>,
}

impl FormFlash {
    /// A value the reader typed, by form field name.
    pub fn get(&self, key: &str) -> Option<String> {
        self.kept.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
}

impl AppError {
    pub fn validation(field: &str, message: impl fmt::Display) -> Self {
        AppError::Validation { field: field.to_owned(), message: message.to_string() }
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(m) | E::Deserialization(m) | E::Serialization(m) => AppError::Network(m),
            E::Args(m) | E::MissingArg(m) => AppError::validation("request", format!("请求格式不正确：{m}")),
            _ => AppError::Internal,
        }
    }
}
