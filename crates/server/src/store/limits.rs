//! What the sign-in limits keep: failed tries per (account, address) and
//! tries per address. They live in the database, not in a server's memory,
//! so that several servers on one database count together and a restart
//! forgets nothing. The rules themselves are in `crate::auth`.

use super::StoreError;
use async_trait::async_trait;

/// Failed sign-ins of one account from one address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PairRecord {
    pub failures: u32,
    /// No try before this (ms).
    pub next_at: i64,
    pub last_failure: i64,
}

/// What the limits hold for one try: the pair's record (when the try names
/// an account) and the times of the address's tries in the window, oldest
/// first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LimitRecord {
    pub pair: Option<PairRecord>,
    pub tries: Vec<i64>,
}

/// What to change, decided from a [`LimitRecord`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitWrite {
    /// `None`: leave the pair; `Some(None)`: forget it; `Some(Some(r))`: keep `r`.
    pub pair: Option<Option<PairRecord>>,
    /// Count a try of the address now.
    pub add_try: bool,
    /// Take back this counted try (its id).
    pub remove_try: Option<i64>,
    /// `Err(seconds)`: refused, wait this long. Nothing is written then.
    pub outcome: Result<(), u64>,
}

impl LimitWrite {
    /// Changes nothing.
    pub fn nothing() -> LimitWrite {
        LimitWrite {
            pair: None,
            add_try: false,
            remove_try: None,
            outcome: Ok(()),
        }
    }
}

/// Which limits a try touches.
#[derive(Clone, Copy, Debug)]
pub struct LimitKey<'a> {
    /// The account's login, when the try names one (at most 64 characters).
    pub login: Option<&'a str>,
    pub addr: &'a str,
    /// Tries of the address before this time no longer count (ms).
    pub window_start: i64,
    /// Now (ms): a counted try is stamped with it.
    pub now: i64,
}

/// The decision, from what the limits hold.
pub type Decide<'a> = &'a (dyn Fn(&LimitRecord) -> LimitWrite + Send + Sync);

/// Sign-in limits in the database, shared by every server on it.
#[async_trait]
pub trait SignInLimits: Send + Sync {
    /// Reads the limits of `key` under a lock every server respects (so two
    /// tries at once cannot both pass the last free one), asks `decide`,
    /// and writes its change when its outcome is `Ok`. Returns what was
    /// read, the decision, and the id of the try it counted.
    async fn sign_in_limits(
        &self,
        key: LimitKey<'_>,
        decide: Decide<'_>,
    ) -> Result<(LimitRecord, LimitWrite, Option<i64>), StoreError>;

    /// Forgets tries before `tries_before` and pairs whose last failure was
    /// before `pairs_before`; returns how many rows went.
    async fn purge_sign_in_limits(
        &self,
        tries_before: i64,
        pairs_before: i64,
    ) -> Result<u64, StoreError>;
}
