use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// Parses an id as it appears in a URL: a positive decimal number without sign,
            /// leading zeros or spaces. Anything else is not an id of ours.
            pub fn parse(s: &str) -> Option<Self> {
                if s.is_empty() || s.len() > 18 || s.starts_with('0') {
                    return None;
                }
                if !s.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                s.parse().ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an article.
    ArticleId
);
id_type!(
    /// Identifies a comment or reply.
    CommentId
);
id_type!(
    /// Identifies a registered reader.
    UserId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_positive_number_is_an_id() {
        assert_eq!(ArticleId::parse("42"), Some(ArticleId(42)));
        assert_eq!(ArticleId::parse("9"), Some(ArticleId(9)));
    }

    #[test]
    fn anything_else_is_not_an_id() {
        for bad in ["", "0", "007", "-3", "+3", " 3", "3a", "1e3", "99999999999999999999", "３"] {
            assert_eq!(ArticleId::parse(bad), None, "{bad:?} must not parse");
        }
    }
}
