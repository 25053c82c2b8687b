//! Users, roles and profiles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::model::{Email, Handle};

/// What a user may do beyond their own resources.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An ordinary user.
    #[default]
    User,
    /// May read the audit trail, moderate agents and reviews, and manage users.
    Admin,
}

impl Role {
    /// Wire form: `user` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Role::User),
            "admin" => Ok(Role::Admin),
            other => Err(crate::Error::invalid(
                "role",
                "invalid_choice",
                format!("unknown role `{other}`; expected user or admin"),
            )),
        }
    }
}

/// A user as stored, including the password hash. Never returned to callers;
/// services answer with [`Profile`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// The user's id.
    pub id: UserId,
    /// Normalised email (see [`Email`]), unique; `None` for bring-your-own-identity users without one.
    pub email: Option<Email>,
    /// Whether the email was verified.
    pub email_verified: bool,
    /// Unique handle (see [`Handle`]).
    pub handle: Handle,
    /// Free-form display name.
    pub display_name: Option<String>,
    /// Short biography.
    pub bio: Option<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// Role.
    pub role: Role,
    /// A disabled user cannot log in or act.
    pub disabled: bool,
    /// PHC string of the argon2id password hash; `None` when the user cannot log in with a password.
    pub password_hash: Option<String>,
    /// The host's own id for a bring-your-own-identity user (unique).
    pub external_id: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
}

impl UserRecord {
    /// The public profile of this user.
    pub fn profile(&self) -> Profile {
        Profile {
            id: self.id,
            email: self.email.clone().map(String::from),
            email_verified: self.email_verified,
            handle: self.handle.to_string(),
            display_name: self.display_name.clone(),
            bio: self.bio.clone(),
            avatar_url: self.avatar_url.clone(),
            role: self.role,
            created_at: self.created_at,
        }
    }
}

/// A user's own view of their account (`GET /v1/me`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The user's id.
    pub id: UserId,
    /// Normalised email, if any.
    pub email: Option<String>,
    /// Whether the email was verified.
    pub email_verified: bool,
    /// Unique handle.
    pub handle: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Biography.
    pub bio: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Role.
    pub role: Role,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Changes to a profile; `None` leaves a field as it is, `Some(None)` clears an optional field.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilePatch {
    /// New handle.
    #[cfg_attr(feature = "schema", schemars(pattern(crate::schema::handle_pattern())))]
    pub handle: Option<String>,
    /// New display name, or `Some(None)` to clear it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", length(max = crate::auth::MAX_DISPLAY_NAME_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub display_name: Option<Option<String>>,
    /// New bio, or `Some(None)` to clear it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", length(max = crate::auth::MAX_BIO_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub bio: Option<Option<String>>,
    /// New avatar URL, or `Some(None)` to clear it.
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>", length(max = crate::auth::MAX_AVATAR_URL_LEN)))]
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::model::user::double_option")]
    pub avatar_url: Option<Option<String>>,
}

impl ProfilePatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.handle.is_none() && self.display_name.is_none() && self.bio.is_none() && self.avatar_url.is_none()
    }
}

/// A profile change as the store receives it: a [`ProfilePatch`] that core
/// has cleaned and validated, its handle parsed into a [`Handle`]. `None`
/// leaves a field as it is, `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// New handle (its uniqueness index is the store's business).
    pub handle: Option<Handle>,
    /// New display name, or `Some(None)` to clear it.
    pub display_name: Option<Option<String>>,
    /// New bio, or `Some(None)` to clear it.
    pub bio: Option<Option<String>>,
    /// New avatar URL, or `Some(None)` to clear it.
    pub avatar_url: Option<Option<String>>,
}

impl ProfileChange {
    /// A change of the handle only.
    pub fn handle(handle: Handle) -> Self {
        Self { handle: Some(handle), ..Self::default() }
    }

    /// Applies every field but the handle (whose uniqueness index is the
    /// store's business) to `user`, and sets `updated_at = now`.
    pub fn apply_except_handle(&self, user: &mut UserRecord, now: DateTime<Utc>) {
        if let Some(v) = &self.display_name {
            user.display_name = v.clone();
        }
        if let Some(v) = &self.bio {
            user.bio = v.clone();
        }
        if let Some(v) = &self.avatar_url {
            user.avatar_url = v.clone();
        }
        user.updated_at = now;
    }
}

/// Serde helper: distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Serializes `Some(x)` as `x` (absent fields are skipped by the caller).
    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    /// Deserializes a present field (even `null`) as `Some(..)`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// The handle of a deleted account, kept so that nobody else can take it (and
/// with it the account's `owner/slug` paths and agent cards). Written by
/// [`UserStore::delete_user`](crate::storage::UserStore::delete_user) in the
/// deletion's transaction; while it exists, the handle counts as taken
/// (`handle_taken`). By default it is kept for ever;
/// [`Config::handle_retention`](crate::Config::handle_retention) lets a host
/// free it after a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredHandle {
    /// The handle.
    pub handle: Handle,
    /// The deleted account that held it last.
    pub user_id: UserId,
    /// When the account was deleted.
    pub retired_at: DateTime<Utc>,
}
