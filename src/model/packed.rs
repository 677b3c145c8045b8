//! Island props that carry readers' text. Leptos writes an island's props as JSON in an HTML
//! attribute, where each `&` of a comment becomes `&amp;`: five bytes for one, on top of the
//! same text in the HTML. As base64 of their JSON they need no escaping and take 4 bytes for 3,
//! which keeps an article page within its bound (see `REPLIES_SHOWN`).

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Debug, PartialEq)]
pub struct Packed<T>(pub T);

impl<T: Serialize> Serialize for Packed<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let json = serde_json::to_vec(&self.0).map_err(S::Error::custom)?;
        s.serialize_str(&encode(&json))
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Packed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let json = decode(&text).ok_or_else(|| D::Error::custom("props are not base64"))?;
        serde_json::from_slice(&json).map(Packed).map_err(D::Error::custom)
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        // Fewer than 8 bits wait between bytes, so 16 are enough.
        acc = (acc << 6 | u32::from(v)) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_and_comes_back_unchanged() {
        for (plain, coded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes());
        }
        let all: Vec<u8> = (0..=255).chain((0..=255).rev()).collect();
        assert_eq!(decode(&encode(&all)).unwrap(), all);
        assert_eq!(decode("a&b"), None);
    }

    #[test]
    fn packed_props_need_no_escaping_and_read_back_as_they_were() {
        let text = format!("{}\"<今日>'", "&".repeat(300));
        let json = serde_json::to_string(&Packed(vec![text.clone()])).unwrap();
        assert!(!json[1..json.len() - 1].contains(['&', '"', '<', '>', '\'', '\\']), "{json}");
        assert!(json.len() < text.len() * 4 / 3 + 16, "{} bytes for {}", json.len(), text.len());
        let back: Packed<Vec<String>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.0, vec![text]);
    }
}
