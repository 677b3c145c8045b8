//! How resources carry their server-rendered values into the browser.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// JSON, like leptos' default resource codec, but read with `serde_json::from_slice`: server
/// functions read their answers that way, so each type's JSON parser is compiled into the
/// browser bundle once. With `from_str` (the default codec) every type had two copies.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// A resource whose value travels from server to browser as [`Json`].
pub type JsonResource<T> = Resource<T, Json>;

/// `Resource::new` with the [`Json`] codec.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppError, PublicUser, UserId};

    #[test]
    fn values_round_trip() {
        let value: Result<Option<PublicUser>, AppError> = Ok(Some(PublicUser { id: UserId(7), name: "读者".into() }));
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Option<PublicUser>, AppError> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
        let err: Result<Option<PublicUser>, AppError> = Err(AppError::NotFound);
        let text = <Json as Encoder<_>>::encode(&err).unwrap();
        assert_eq!(<Json as Decoder<Result<Option<PublicUser>, AppError>>>::decode(&text).unwrap(), err);
    }
}
