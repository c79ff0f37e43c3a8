//! A session-ID store on Redis, for a fleet of servers: a session one server
//! makes is found by the others. An example of implementing
//! `ServerSessionStore`, built into the server with the package's `redis`
//! feature (`--redis URL`).
//!
//! Each session is one Redis string, `sanstls:session:<id>`, set with an
//! expiry equal to the session lifetime (Redis forgets it when it could no
//! longer be resumed anyway) and deleted on `remove`. One connection,
//! behind a mutex, made again after an error; every command has a timeout,
//! and a failed one only costs a full handshake (`put` is dropped, `get`
//! finds nothing), so a Redis outage slows the fleet without stopping it.
//!
//! The values are encoded sessions, master secrets included, in clear:
//! keep Redis on a private network or loopback, behind its ACLs. The
//! sessions' copies inside the Redis client are not wiped.

use std::sync::Mutex;
use std::time::Duration;

use sanstls::resumption::store::ServerSessionStore;
use zeroize::Zeroizing;

/// How long one Redis command (or connecting) may take.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Prepended to the session ID to make the Redis key.
const PREFIX: &[u8] = b"sanstls:session:";

/// Sessions by ID in Redis, each expiring after `ttl` seconds.
pub struct RedisStore {
    client: redis::Client,
    conn: Mutex<Option<redis::Connection>>,
    ttl: u64,
}

impl core::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.client.get_connection_info().addr())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store at `url` (`redis://HOST:PORT/DB`), keeping sessions for
    /// `ttl` seconds (the server's session lifetime). Connects now, so that
    /// a wrong URL is an error at start-up rather than a silent miss.
    pub fn connect(url: &str, ttl: u32) -> redis::RedisResult<RedisStore> {
        let client = redis::Client::open(url)?;
        let store = RedisStore {
            client,
            conn: Mutex::new(None),
            ttl: u64::from(ttl.max(1)),
        };
        let _: String = store.run(&redis::cmd("PING"))?;
        Ok(store)
    }

    /// Runs `cmd` on the connection, connecting first if need be; drops the
    /// connection after an error, so the next command starts afresh.
    fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> redis::RedisResult<T> {
        let mut guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let conn = match guard.as_mut() {
            Some(conn) => conn,
            None => {
                let conn = self.client.get_connection_with_timeout(TIMEOUT)?;
                conn.set_read_timeout(Some(TIMEOUT))?;
                conn.set_write_timeout(Some(TIMEOUT))?;
                guard.insert(conn)
            }
        };
        let result = cmd.query(conn);
        if result.is_err() {
            *guard = None;
        }
        result
    }

    fn key(id: &[u8]) -> Vec<u8> {
        [PREFIX, id].concat()
    }
}

impl ServerSessionStore for RedisStore {
    fn put(&self, id: &[u8], session: Vec<u8>) {
        let session = Zeroizing::new(session);
        let mut cmd = redis::cmd("SET");
        cmd.arg(Self::key(id))
            .arg(session.as_slice())
            .arg("EX")
            .arg(self.ttl);
        if let Err(e) = self.run::<()>(&cmd) {
            eprintln!("server: redis: storing a session: {e}");
        }
    }

    fn get(&self, id: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(Self::key(id));
        match self.run::<Option<Vec<u8>>>(&cmd) {
            Ok(found) => found.map(Zeroizing::new),
            Err(e) => {
                eprintln!("server: redis: looking a session up: {e}");
                None
            }
        }
    }

    fn remove(&self, id: &[u8]) {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(Self::key(id));
        if let Err(e) = self.run::<()>(&cmd) {
            eprintln!("server: redis: removing a session: {e}");
        }
    }
}
