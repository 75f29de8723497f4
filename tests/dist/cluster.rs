//! The processes an interop test needs: epmd on a port of its own, and one
//! Elixir node per test binary, found on `PATH`.
//!
//! Children are killed by pid when their guard drops, and also when the test
//! binary exits however it exits: each is started with a pipe on its stdin
//! and ends itself when that pipe closes (epmd through a `sh` wrapper, the
//! Elixir node from its script), so a shared node in a `static` or a test
//! that panics leaves nothing running.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a child may take to come up.
const STARTUP: Duration = Duration::from_secs(60);

/// Whether `program` can be run.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A free TCP port on loopback (free when asked; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A child process, killed by pid when dropped.
pub struct ChildGuard {
    child: Child,
    _stdin: Option<ChildStdin>,
    pub name: &'static str,
}

impl ChildGuard {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends the child a signal (`STOP`, `CONT`, …).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .expect("cannot run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Whether the child is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the child and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// epmd listening on loopback, on a port of its own.
pub struct Epmd {
    pub port: u16,
    /// epmd's own pid (the wrapper's child).
    pid: u32,
    wrapper: Child,
    stdin: Option<ChildStdin>,
}

impl Epmd {
    /// Starts epmd and waits until it answers.
    pub fn start() -> Epmd {
        let port = free_port();
        // The wrapper prints epmd's pid, then kills epmd when its stdin
        // closes: when the guard drops, or when the test binary ends.
        let script =
            format!("epmd -address 127.0.0.1 -port {port} & echo $!; read _; kill $! 2>/dev/null");
        let mut wrapper = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot run sh");
        let stdin = wrapper.stdin.take();
        let mut pid = String::new();
        BufReader::new(wrapper.stdout.take().expect("piped stdout"))
            .read_line(&mut pid)
            .expect("the wrapper prints epmd's pid");
        let pid = pid.trim().parse().expect("a pid");
        let epmd = Epmd {
            port,
            pid,
            wrapper,
            stdin,
        };
        let start = Instant::now();
        while epmd_names(port).is_none() {
            assert!(
                start.elapsed() < STARTUP,
                "epmd did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        epmd
    }

    /// The names registered with this epmd (`NAMES_REQ`).
    pub fn names(&self) -> Vec<String> {
        epmd_names(self.port).unwrap_or_default()
    }

    /// Waits until `name` (before `@`) is registered.
    pub fn wait_for(&self, name: &str) {
        let start = Instant::now();
        while !self.names().iter().any(|n| n == name) {
            assert!(
                start.elapsed() < STARTUP,
                "`{name}` did not register with epmd"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Epmd {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = Command::new("kill")
            .arg(self.pid.to_string())
            .stderr(Stdio::null())
            .status();
        let _ = self.wrapper.wait();
    }
}

fn epmd_names(port: u16) -> Option<Vec<String>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.write_all(&[0, 1, 110]).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(answer.get(4..)?).into_owned();
    Some(
        text.lines()
            .filter_map(|l| {
                l.strip_prefix("name ")?
                    .split(' ')
                    .next()
                    .map(str::to_owned)
            })
            .collect(),
    )
}

/// An Elixir node running a script, which prints `ready` when it is.
pub struct Elixir {
    pub name: String,
    pub child: std::sync::Mutex<ChildGuard>,
    lines: std::sync::Mutex<mpsc::Receiver<String>>,
}

impl Elixir {
    /// Starts `elixir [--erl ERL] --name NAME --cookie COOKIE SCRIPT` against
    /// `epmd`, and waits for it to register and print `ready`.
    pub fn start(epmd: &Epmd, name: &str, cookie: &str, script: &Path, erl: &str) -> Elixir {
        let mut command = Command::new("elixir");
        if !erl.is_empty() {
            command.args(["--erl", erl]);
        }
        let mut child = command
            .args(["--name", name, "--cookie", cookie])
            .arg(script)
            .env("ERL_EPMD_PORT", epmd.port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot run elixir");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("[elixir] {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let elixir = Elixir {
            name: name.to_owned(),
            child: std::sync::Mutex::new(ChildGuard {
                child,
                _stdin: stdin,
                name: "elixir",
            }),
            lines: std::sync::Mutex::new(lines),
        };
        epmd.wait_for(name.split('@').next().expect("name@host"));
        elixir.expect_line("ready");
        elixir
    }

    /// Waits for the script to print `expected` (skipping other lines).
    pub fn expect_line(&self, expected: &str) {
        let deadline = Instant::now() + STARTUP;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.lock().unwrap().recv_timeout(left) {
                Ok(line) if line.trim() == expected => return,
                Ok(_) => {}
                Err(_) => panic!("the Elixir node did not print `{expected}`"),
            }
        }
    }
}
