use super::UserId;
use serde::{Deserialize, Serialize};

/// What anyone may know about a reader: never the password hash or the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicUser {
    pub id: UserId,
    pub name: String,
}

/// A generated avatar: the first character of the name on a colour picked from the name,
/// so the same name always looks the same, on the server and in the browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Avatar {
    pub initial: String,
    pub color: &'static str,
    /// Index of the colour in the palette: the CSS class `avatar-N` paints it.
    pub index: usize,
}

/// Colours dark enough for white text (contrast >= 4.5:1); style/main.css has the same list
/// as `.avatar-0` … `.avatar-9`.
const PALETTE: [&str; 10] =
    ["#b3261e", "#8e3b9c", "#4a4fb3", "#1d6fa5", "#00796b", "#2e7d32", "#8a6d00", "#b55400", "#6d4c41", "#546e7a"];

impl Avatar {
    pub fn for_name(name: &str) -> Self {
        let initial = name
            .chars()
            .find(|c| !c.is_whitespace())
            .map(|c| c.to_uppercase().collect::<String>())
            .unwrap_or_else(|| "?".to_owned());
        // FNV-1a: tiny, stable across platforms and releases (unlike std's hasher).
        let hash =
            name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        let index = (hash % PALETTE.len() as u64) as usize;
        Avatar { initial, color: PALETTE[index], index }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_avatar_shows_the_first_character_of_the_name() {
        assert_eq!(Avatar::for_name("善結仁義").initial, "善");
        assert_eq!(Avatar::for_name("melan_小黑鸟").initial, "M");
    }

    #[test]
    fn the_same_name_always_gets_the_same_colour() {
        assert_eq!(Avatar::for_name("Sammie傻咪").color, Avatar::for_name("Sammie傻咪").color);
    }

    #[test]
    fn different_names_use_more_than_one_colour() {
        let names = ["善結仁義", "Sammie傻咪", "失意女魔王", "June六六六月", "Melan_小黑鸟"];
        let colours: std::collections::HashSet<_> = names.iter().map(|n| Avatar::for_name(n).color).collect();
        assert!(colours.len() > 1);
    }
}
