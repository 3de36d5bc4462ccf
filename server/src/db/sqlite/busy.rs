//! How SQLite connections wait for one another's write lock: in short steps, with the group
//! commit stepping aside when a request's write is waiting.
//!
//! SQLite's own busy timeout sleeps 1, 2, 5, 10, 15 … 100 ms between attempts. With the group
//! commit taking the lock again and again, a request's write (a room, a read mark, a recovery
//! session on connect) kept waking inside another commit and sleeping longer each time:
//! `strace` counted 74 such sleeps, 1.2 s in all, in one closed-loop run of 2,000 messages.
//! Here a waiting connection tries again every `STEP` until its timeout, and says so; the group
//! commit, before it starts a batch, gives a waiter one step to take the lock first.

use std::os::raw::{c_int, c_void};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::SqliteConnection;

/// Between two attempts at the lock.
const STEP: Duration = Duration::from_micros(50);

/// When a connection of the pool last found the lock taken (microseconds since `origin()`).
static WAITING_AT: AtomicU64 = AtomicU64::new(0);

fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

fn now_micros() -> u64 {
    // Never 0, which `WAITING_AT` uses for "nobody yet".
    origin().elapsed().as_micros() as u64 + 1
}

/// How many steps fit in `timeout`.
fn steps(timeout: Duration) -> usize {
    (timeout.as_micros() / STEP.as_micros()).max(1) as usize
}

/// Replaces a pool connection's busy timeout with short steps for as long in all.
pub async fn install(conn: &mut SqliteConnection, timeout: Duration) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: `raw` is this connection's open handle, and sqlx's worker makes no call on it
    // while `handle` is held. The callback keeps no pointer: its argument is the step budget,
    // an integer carried in the user-data word.
    unsafe {
        rusqlite::ffi::sqlite3_busy_handler(raw, Some(pool_waits), steps(timeout) as *mut c_void);
    }
    Ok(())
}

extern "C" fn pool_waits(budget: *mut c_void, attempt: c_int) -> c_int {
    if attempt as usize >= budget as usize {
        return 0;
    }
    WAITING_AT.store(now_micros(), Ordering::Relaxed);
    std::thread::sleep(STEP);
    1
}

/// The group commit's step budget (one process has one database timeout).
static COMMIT_BUDGET: AtomicUsize = AtomicUsize::new(1);

/// Sets how long in all the group commit waits for a request's write (see [`commit_waits`]).
pub fn set_commit_timeout(timeout: Duration) {
    COMMIT_BUDGET.store(steps(timeout), Ordering::Relaxed);
}

/// The group commit's own wait, when a request's write holds the lock.
pub fn commit_waits(attempt: i32) -> bool {
    if attempt as usize >= COMMIT_BUDGET.load(Ordering::Relaxed) {
        return false;
    }
    std::thread::sleep(STEP);
    true
}

/// Called by the group commit before it takes the lock: if a pool connection was refused it
/// within the last two steps, one step's pause lets that connection in first.
pub fn let_waiter_in() {
    let at = WAITING_AT.load(Ordering::Relaxed);
    if at != 0 && now_micros().saturating_sub(at) < 2 * STEP.as_micros() as u64 {
        std::thread::sleep(STEP);
    }
}
