//! A `redis-server` of a test's own: started from PATH on a free loopback port, in a temporary
//! directory, with the append-only file fsynced on every write (a settled record must survive
//! a restart), and killed when dropped. No test needs a server started by hand; a machine
//! without the binary fails the test with the command that installs it.
//!
//! Shared by the core's unit tests, its integration tests and the CLI's (included by path).

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server; killed (and its directory removed) on drop.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl RedisServer {
    /// Starts a server and waits until it accepts connections.
    pub fn start() -> RedisServer {
        let dir = std::env::temp_dir().join(format!(
            "foundry-redis-{}-{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("a temp dir for redis");
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            dir,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--dir",
                &self.dir.display().to_string(),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--daemonize",
                "no",
                "--maxclients",
                "4096",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): these tests need it on PATH. \
                     Install it with `apt-get install redis-server` (scripts/test.sh does)"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on 127.0.0.1:{} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server at once (SIGKILL: what the append-only file must survive).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and directory (it replays its AOF).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// One command, answered as text, over a raw connection (RESP): for counters the tests
    /// read from the server itself (`INFO commandstats`).
    pub fn command(&self, args: &[&str]) -> String {
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut request = format!("*{}\r\n", args.len());
        for a in args {
            request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(request.as_bytes()).expect("sends");
        let mut answer = Vec::new();
        let mut buf = [0u8; 65_536];
        loop {
            let n = stream.read(&mut buf).expect("reads");
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || complete(&answer) {
                break;
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    }
}

/// Whether a RESP answer of one simple value or one bulk string has fully arrived.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    match text.chars().next() {
        Some('$') => match text.split_once("\r\n") {
            Some((len, rest)) => len[1..]
                .parse::<i64>()
                .map(|n| n < 0 || rest.len() >= n as usize + 2)
                .unwrap_or(true),
            None => false,
        },
        Some(_) => text.ends_with("\r\n"),
        None => false,
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
