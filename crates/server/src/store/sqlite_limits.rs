//! [`SignInLimits`] on SQLite: one writer at a time (`BEGIN IMMEDIATE`)
//! makes each decision atomic.

use super::limits::{Decide, LimitKey, LimitRecord, LimitWrite, PairRecord, SignInLimits};
use super::{SqliteStore, StoreError};
use async_trait::async_trait;
use sqlx::Row;

#[async_trait]
impl SignInLimits for SqliteStore {
    async fn sign_in_limits(
        &self,
        key: LimitKey<'_>,
        decide: Decide<'_>,
    ) -> Result<(LimitRecord, LimitWrite, Option<i64>), StoreError> {
        let mut tx = self.write().await?;
        let mut record = LimitRecord::default();
        if let Some(login) = key.login {
            record.pair = sqlx::query(
                "SELECT failures, next_at, last_failure FROM sign_in_pairs
                 WHERE login = ? AND addr = ?",
            )
            .bind(login)
            .bind(key.addr)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| -> Result<PairRecord, sqlx::Error> {
                Ok(PairRecord {
                    failures: row.try_get::<i64, _>("failures")?.max(0) as u32,
                    next_at: row.try_get("next_at")?,
                    last_failure: row.try_get("last_failure")?,
                })
            })
            .transpose()?;
        }
        record.tries = sqlx::query_scalar(
            "SELECT at FROM sign_in_tries WHERE addr = ? AND at > ? ORDER BY at, id",
        )
        .bind(key.addr)
        .bind(key.window_start)
        .fetch_all(&mut *tx)
        .await?;
        let write = decide(&record);
        if write.outcome.is_err() {
            return Ok((record, write, None));
        }
        if let (Some(login), Some(pair)) = (key.login, write.pair) {
            match pair {
                Some(pair) => {
                    sqlx::query(
                        "INSERT INTO sign_in_pairs (login, addr, failures, next_at, last_failure)
                         VALUES (?, ?, ?, ?, ?)
                         ON CONFLICT (login, addr) DO UPDATE SET failures = excluded.failures,
                             next_at = excluded.next_at, last_failure = excluded.last_failure",
                    )
                    .bind(login)
                    .bind(key.addr)
                    .bind(i64::from(pair.failures))
                    .bind(pair.next_at)
                    .bind(pair.last_failure)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM sign_in_pairs WHERE login = ? AND addr = ?")
                        .bind(login)
                        .bind(key.addr)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        if let Some(id) = write.remove_try {
            sqlx::query("DELETE FROM sign_in_tries WHERE id = ? AND addr = ?")
                .bind(id)
                .bind(key.addr)
                .execute(&mut *tx)
                .await?;
        }
        let mut try_id = None;
        if write.add_try {
            try_id = Some(
                sqlx::query_scalar(
                    "INSERT INTO sign_in_tries (addr, at) VALUES (?, ?) RETURNING id",
                )
                .bind(key.addr)
                .bind(key.now)
                .fetch_one(&mut *tx)
                .await?,
            );
        }
        tx.commit().await?;
        Ok((record, write, try_id))
    }

    async fn purge_sign_in_limits(
        &self,
        tries_before: i64,
        pairs_before: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.write().await?;
        let tries = sqlx::query("DELETE FROM sign_in_tries WHERE at < ?")
            .bind(tries_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let pairs = sqlx::query("DELETE FROM sign_in_pairs WHERE last_failure < ?")
            .bind(pairs_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(tries + pairs)
    }
}
