//! The processes an interop test needs: epmd on a port of its own, Elixir
//! nodes found on `PATH`, and Rust peer nodes (this test binary run again).
//!
//! Children are killed by pid when their guard drops, and also when the test
//! binary exits however it exits: each is started with a pipe on its stdin
//! and ends itself when that pipe closes (epmd through a `sh` wrapper, the
//! Elixir node from its script, a Rust peer from its test), so a shared node
//! in a `static` or a test that panics leaves nothing running.
//!
//! Starting a child and waiting for it to come up block, so they run on
//! tokio's blocking threads (`spawn_blocking`), never on a runtime's worker.
//! `benches/dist.rs` uses this file too: it names nothing of the test crate.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

/// How long a child may take to come up.
const STARTUP: Duration = Duration::from_secs(60);

/// How long an Elixir node may take to answer an `eval`.
const ANSWER: Duration = Duration::from_secs(20);

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

/// Runs blocking `work` on tokio's blocking threads, passing on its panic.
pub async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// A child process, killed by pid when dropped.
pub struct ChildGuard {
    child: Child,
    stdin: Option<ChildStdin>,
    pub name: &'static str,
}

impl ChildGuard {
    /// Guards `child`, keeping its stdin (if piped) open until it is closed
    /// or the guard drops.
    pub fn new(mut child: Child, name: &'static str) -> ChildGuard {
        let stdin = child.stdin.take();
        ChildGuard { child, stdin, name }
    }

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

    /// Writes `line` to the child's stdin.
    pub fn write_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("the child's stdin is open");
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .unwrap_or_else(|e| panic!("cannot write to {}: {e}", self.name));
    }

    /// Closes the child's stdin, which asks it to end, and waits (blocking)
    /// for it to exit.
    pub fn close_and_wait(&mut self) -> ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("cannot wait for the child")
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

/// Forwards each line `stdout` prints, as it comes, but for those `taken`
/// takes (it returns `true` for them); each is echoed (`[tag] line`) for a
/// failing test's output. A thread of its own reads them, not a task: a
/// shared node outlives the runtime of the test that started it.
pub fn forward_lines(
    stdout: ChildStdout,
    tag: &'static str,
    mut taken: impl FnMut(&str) -> bool + Send + 'static,
) -> mpsc::UnboundedReceiver<String> {
    let (tx, lines) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("[{tag}] {line}");
            if !taken(&line) && tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
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
    pub async fn start() -> Epmd {
        off_runtime(Epmd::start_blocking).await
    }

    fn start_blocking() -> Epmd {
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

/// The names registered with the epmd on `port` (`NAMES_REQ`), or `None`
/// if it does not answer.
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

/// Waits (blocking) until `name` (before `@`) is registered with the epmd on
/// `port`, failing at once if `child` exits first.
fn wait_registered(port: u16, name: &str, child: &mut ChildGuard) {
    let start = Instant::now();
    while !epmd_names(port)
        .unwrap_or_default()
        .iter()
        .any(|n| n == name)
    {
        if let Ok(Some(status)) = child.child.try_wait() {
            panic!(
                "the {} node `{name}` exited ({status}) before it registered with epmd",
                child.name
            );
        }
        assert!(
            start.elapsed() < STARTUP,
            "`{name}` did not register with epmd"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `eval` requests of an Elixir node waiting for their answers, by id.
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<String>>>>;

/// An Elixir node running a script, which prints `ready` when it is, and
/// evaluates the `eval` lines written to its stdin ([`Elixir::eval`]).
pub struct Elixir {
    pub name: String,
    pub child: Mutex<ChildGuard>,
    /// The lines the script prints, but for the answers to `eval`.
    lines: tokio::sync::Mutex<mpsc::UnboundedReceiver<String>>,
    pending: Pending,
    next_eval: AtomicU64,
}

impl Elixir {
    /// Starts `elixir [--erl ERL] --name NAME --cookie COOKIE SCRIPT` against
    /// `epmd`, and waits for it to register and print `ready`.
    pub async fn start(epmd: &Epmd, name: &str, cookie: &str, script: &Path, erl: &str) -> Elixir {
        let mut command = Command::new("elixir");
        if !erl.is_empty() {
            command.args(["--erl", erl]);
        }
        command
            .args(["--name", name, "--cookie", cookie])
            .arg(script)
            .env("ERL_EPMD_PORT", epmd.port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let (port, short) = (
            epmd.port,
            name.split('@').next().expect("name@host").to_owned(),
        );
        let (child, stdout) = off_runtime(move || {
            let mut child = command.spawn().expect("cannot run elixir");
            let stdout = child.stdout.take().expect("piped stdout");
            let mut child = ChildGuard::new(child, "elixir");
            wait_registered(port, &short, &mut child);
            (child, stdout)
        })
        .await;

        let pending = Pending::default();
        let answers = Arc::clone(&pending);
        let lines = forward_lines(stdout, "elixir", move |line| {
            let Some((id, answer)) = eval_answer(line) else {
                return false;
            };
            if let Some(waiting) = answers.lock().unwrap().remove(&id) {
                let _ = waiting.send(answer.to_owned());
            }
            true
        });
        let elixir = Elixir {
            name: name.to_owned(),
            child: Mutex::new(child),
            lines: tokio::sync::Mutex::new(lines),
            pending,
            next_eval: AtomicU64::new(0),
        };
        elixir.expect_line("ready").await;
        elixir
    }

    /// Waits for the script to print `expected` (skipping other lines).
    pub async fn expect_line(&self, expected: &str) {
        let mut lines = self.lines.lock().await;
        let found = tokio::time::timeout(STARTUP, async {
            while let Some(line) = lines.recv().await {
                if line.trim() == expected {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(
            found,
            Ok(true),
            "the Elixir node did not print `{expected}`"
        );
    }

    /// Evaluates the Elixir expression `code` (one line) in a process of its
    /// own on the node, and gives back `inspect` of its value, or of
    /// `{:raised, message}` if it raises.
    ///
    /// This reaches the node through its stdin, not through distribution:
    /// the node can be told to call a Rust node it has never talked to.
    pub async fn eval(&self, code: &str) -> String {
        assert!(!code.contains('\n'), "`eval` takes one line of code");
        let id = self.next_eval.fetch_add(1, Ordering::Relaxed);
        let (tx, answer) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        self.child
            .lock()
            .unwrap()
            .write_line(&format!("eval {id} {code}"));
        match tokio::time::timeout(ANSWER, answer).await {
            Ok(Ok(answer)) => answer,
            _ => panic!("the Elixir node did not answer `eval {code}`"),
        }
    }
}

/// `(id, answer)` of an `eval` answer line, `ID => ANSWER`.
fn eval_answer(line: &str) -> Option<(u64, &str)> {
    let (id, answer) = line.split_once(" => ")?;
    Some((id.parse().ok()?, answer))
}
