use super::UserId;
use serde::{Deserialize, Serialize};

/// What anyone may know about a reader: never the password hash or the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicUser {
    pub id: UserId,
    pub name: String,
}

/// A newsroom role. Every reader is a reader; these are held on top, any number at once.
/// An admin may do everything the others may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Editor,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Editor, Role::Moderator, Role::Admin];

    /// The name stored in the database and used on the command line and in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// The name readers see.
    pub fn label(self) -> &'static str {
        match self {
            Role::Editor => "编辑",
            Role::Moderator => "版主",
            Role::Admin => "管理员",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// The role's bit in `Roles`.
    pub const fn bit(self) -> u8 {
        match self {
            Role::Editor => 1,
            Role::Moderator => 2,
            Role::Admin => 4,
        }
    }
}

/// The roles a reader holds, as bits (`Role::bit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roles(pub u8);

impl Roles {
    /// Whether the reader holds `role` itself (what the admin page lists).
    pub fn holds(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// Whether the reader may do what `role` may: by holding it, or by being an admin.
    pub fn may(self, role: Role) -> bool {
        self.holds(role) || self.holds(Role::Admin)
    }

    pub fn is_staff(self) -> bool {
        self.0 & (Role::Editor.bit() | Role::Moderator.bit() | Role::Admin.bit()) != 0
    }

    /// The roles held, in `Role::ALL` order.
    pub fn list(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| self.holds(*r)).collect()
    }
}

/// The signed-in reader as the site sees them: who, and which newsroom roles they hold. Read
/// from the database on every request, so a grant or a revocation applies at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub id: UserId,
    pub name: String,
    pub roles: Roles,
    /// A ban in force now, read with the session: it applies to open sessions at once.
    pub ban: Option<Ban>,
}

/// A ban: until when (unix seconds, `BAN_FOREVER` for good) and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ban {
    pub until: i64,
    pub reason: String,
}

impl Viewer {
    pub fn public(&self) -> PublicUser {
        PublicUser { id: self.id, name: self.name.clone() }
    }
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
/// The avatar colours; `avatar-N` in style/main.css paints the N-th.
pub const PALETTE: [&str; 10] =
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
    fn an_admin_may_do_what_every_role_may_and_others_only_their_own() {
        let admin = Roles(Role::Admin.bit());
        assert!(Role::ALL.iter().all(|r| admin.may(*r)));
        assert_eq!(admin.list(), vec![Role::Admin]);
        let editor = Roles(Role::Editor.bit());
        assert!(editor.may(Role::Editor) && !editor.may(Role::Moderator) && !editor.may(Role::Admin));
        let both = Roles(Role::Editor.bit() | Role::Moderator.bit());
        assert_eq!(both.list(), vec![Role::Editor, Role::Moderator]);
        assert!(both.is_staff() && !Roles::default().is_staff());
        assert!(!Roles::default().may(Role::Editor));
    }

    #[test]
    fn roles_parse_from_their_stored_names_only() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse(" admin "), Some(Role::Admin));
        for bad in ["", "reader", "Admin", "root", "admin;", "管理员"] {
            assert_eq!(Role::parse(bad), None, "{bad}");
        }
    }

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
