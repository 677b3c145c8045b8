//! How resources carry their server-rendered values into the browser.

use crate::model::AppError;
use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// How a resource's value, `Result<T, AppError>` (every resource here answers so), travels:
/// the value's JSON, or `!` and the error's JSON. Read with `serde_json::from_slice`, as server
/// functions read their answers, so each type's JSON parser is compiled into the browser
/// bundle once (with `from_str`, leptos' default codec, every type had two copies); and with no
/// `{"Ok":…}` around the value, the bundle holds no parser of a `Result` for each type either
/// (~1 KB of wasm each). Valid JSON never starts with `!`.
pub struct Json;

impl<T: Serialize> Encoder<Result<T, AppError>> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &Result<T, AppError>) -> Result<String, serde_json::Error> {
        match value {
            Ok(v) => serde_json::to_string(v),
            Err(e) => serde_json::to_string(e).map(|e| format!("!{e}")),
        }
    }
}

impl<T: DeserializeOwned> Decoder<Result<T, AppError>> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<Result<T, AppError>, serde_json::Error> {
        match text.strip_prefix('!') {
            Some(e) => serde_json::from_slice(e.as_bytes()).map(Err),
            None => serde_json::from_slice(text.as_bytes()).map(Ok),
        }
    }
}

/// A resource whose value (`Result<_, AppError>`) travels from server to browser as [`Json`].
pub type JsonResource<T> = Resource<T, Json>;

/// `Resource::new` with the [`Json`] codec.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<Result<T, AppError>>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PublicUser, UserId};

    fn round_trip(value: Result<Option<PublicUser>, AppError>) -> String {
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Option<PublicUser>, AppError> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value, "{text}");
        text
    }

    #[test]
    fn values_and_errors_round_trip_and_a_value_is_its_own_json() {
        let user = PublicUser { id: UserId(7), name: "读者".into() };
        assert_eq!(round_trip(Ok(Some(user.clone()))), serde_json::to_string(&Some(user)).unwrap());
        assert_eq!(round_trip(Ok(None)), "null");
        assert!(round_trip(Err(AppError::NotFound)).starts_with('!'));
        round_trip(Err(AppError::Validation { field: "name".into(), message: "名字太长".into() }));
        // A string value that starts with `!` is JSON, so it starts with a quote.
        let text = <Json as Encoder<_>>::encode(&Ok::<_, AppError>("!x".to_owned())).unwrap();
        assert_eq!(<Json as Decoder<Result<String, AppError>>>::decode(&text).unwrap(), Ok("!x".to_owned()));
        assert!(<Json as Decoder<Result<String, AppError>>>::decode("!{").is_err(), "a broken error is an error");
    }
}
