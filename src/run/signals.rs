//! SIGINT / SIGTERM while tfpost runs.
//!
//! Wrap mode: Terraform must get the chance to stop cleanly and release its state lock, so tfpost
//! forwards the signal to it and keeps running until it exits (a second Ctrl-C is forwarded too:
//! Terraform takes it as "stop now"). A signal the terminal sent (Ctrl-C) already reached
//! Terraform when it shares tfpost's process group; forwarding it again would be Terraform's
//! second interrupt, so it is not forwarded then.
//!
//! Pipe mode: the upstream Terraform got the terminal's Ctrl-C too and is winding down; tfpost
//! keeps reading until its output ends, so the log and the notification are complete. A second
//! signal makes tfpost exit at once with 128+signal.
//!
//! Once the output has ended (tfpost parses and posts), there is nothing left to protect: a
//! signal stops tfpost at once with 128+signal, as it would without handlers, after writing to
//! stderr the messages whose post it cuts short (see [`posting`]): a CI job cancelled while a post
//! hangs still has the message in its log (README, "Exit codes": whatever fails, nothing is lost).

use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

use super::log::Log;

/// The signals tfpost handles.
const HANDLED: [i32; 2] = [SIGINT, SIGTERM];

/// Installed handlers. Installing them first, before the child exists, means a signal that comes
/// while the child starts is queued and forwarded, not fatal to tfpost.
pub struct Signals {
    signals: SignalsInfo<WithOrigin>,
}

/// What a signal means now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The output is still coming: forward (wrap mode) or note (pipe mode).
    Reading,
    /// The output has ended and the child is gone: tfpost is parsing or posting. Nothing needs
    /// protecting any more (the output is on stdout), so a signal stops tfpost as it would
    /// without handlers.
    Delivering,
}

impl Signals {
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            signals: SignalsInfo::<WithOrigin>::new(HANDLED)?,
        })
    }

    /// Forward signals to `pid` until [`Forwarder::output_ended`]. `shares_group`: the child is
    /// in our process group, so terminal-generated signals reach it directly.
    pub fn forward_to(
        mut self,
        pid: u32,
        program: String,
        shares_group: bool,
        log: Log,
    ) -> Forwarder {
        let phase = Arc::new(Mutex::new(Phase::Reading));
        let shared = phase.clone();
        std::thread::spawn(move || {
            for origin in self.signals.forever() {
                let name = signal_name(origin.signal);
                // Held while signalling, so `output_ended` cannot return (and the child cannot be
                // reaped, freeing its pid) in between.
                let phase = shared.lock().unwrap_or_else(|p| p.into_inner());
                if *phase == Phase::Delivering {
                    stop_now(&log, &name, origin.signal);
                }
                // Only a signal some process sent (kill, a CI runner) is known not to have reached
                // the child already; the kernel's (terminal keys) and any the system cannot
                // attribute went to the whole foreground group.
                if shares_group && !matches!(origin.cause, Cause::Sent(_)) {
                    log.info(format_args!(
                        "{name} from the terminal reached `{program}` too; waiting for it to exit"
                    ));
                    continue;
                }
                // A terminal signals the whole foreground process group, and Terraform relies
                // on it: from 0.11 to 1.0 its outer process ignores SIGINT and leaves it to the
                // inner one and to the providers and provisioners, all in the group. So the
                // child's own group gets it, as from a terminal; in tfpost's group only the
                // child can be named without signalling tfpost itself.
                let (target, whom) = if shares_group {
                    (Recipient::Process(pid), "")
                } else {
                    (Recipient::Group(pid), " and its process group")
                };
                log.info(format_args!(
                    "forwarding {name} to `{program}` (pid {pid}){whom} and waiting for it to exit"
                ));
                send_signal(target, origin.signal);
            }
        });
        Forwarder { phase }
    }

    /// Pipe mode: note the first signal, exit on the second.
    pub fn watch_pipe(mut self, log: Log) -> Forwarder {
        let phase = Arc::new(Mutex::new(Phase::Reading));
        let shared = phase.clone();
        std::thread::spawn(move || {
            let mut seen = 0;
            for origin in self.signals.forever() {
                seen += 1;
                let name = signal_name(origin.signal);
                let phase = *shared.lock().unwrap_or_else(|p| p.into_inner());
                if phase == Phase::Delivering || seen > 1 {
                    stop_now(&log, &name, origin.signal);
                }
                log.warn(format_args!(
                    "{name}: still reading until the piped command's output ends; send it again to stop now"
                ));
            }
        });
        Forwarder { phase }
    }
}

fn stop_now(log: &Log, name: &str, signal: i32) -> ! {
    let in_flight = IN_FLIGHT.lock().unwrap_or_else(|p| p.into_inner());
    if in_flight.is_empty() {
        log.warn(format_args!(
            "{name}: stopping now; the output above is complete, nothing more is posted"
        ));
    } else {
        log.warn(format_args!(
            "{name}: stopping now, in the middle of a post; the output above is complete, and the \
             message being posted follows (it may or may not have arrived)"
        ));
        for (_, text) in in_flight.iter() {
            let _ = log.write_raw(text.as_bytes());
        }
    }
    // Held to the end: a post finishing meanwhile cannot take its message out half-written.
    std::process::exit(128 + signal)
}

/// The messages being posted right now, each with the id of its [`Posting`], as they are to
/// appear on stderr.
static IN_FLIGHT: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());

/// A post in progress; see [`posting`].
#[must_use = "the message is forgotten when this is dropped"]
pub struct Posting {
    id: u64,
}

/// Call right before a post that may hang, with the text stderr must get if a signal stops
/// tfpost before the post ends (already masked: it is written as it is). Keep the returned
/// value until the post has ended, whatever its outcome.
pub fn posting(text: String) -> Posting {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    IN_FLIGHT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((id, text));
    Posting { id }
}

impl Drop for Posting {
    fn drop(&mut self) {
        IN_FLIGHT
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(id, _)| *id != self.id);
    }
}

/// The signal thread. It lives until the process exits.
pub struct Forwarder {
    phase: Arc<Mutex<Phase>>,
}

impl Forwarder {
    /// The output has ended and the child has exited (not reaped yet, so its pid cannot have
    /// been reused). After this returns, no signal is sent to the pid; a signal stops tfpost.
    pub fn output_ended(self) {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner()) = Phase::Delivering;
    }
}

/// Who a forwarded signal goes to.
#[derive(Debug, Clone, Copy)]
enum Recipient {
    /// The child alone.
    Process(u32),
    /// The child's process group, whose id is the child's pid (it was spawned as its leader).
    Group(u32),
}

fn send_signal(recipient: Recipient, signal: i32) {
    let (Recipient::Process(pid) | Recipient::Group(pid)) = recipient;
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    let target = match recipient {
        Recipient::Process(_) => pid,
        // kill(2) with a negative pid signals the group.
        Recipient::Group(_) => -pid,
    };
    // SAFETY: kill(2) takes plain integers and touches no memory of ours. The pid is our
    // unreaped child (checked by the caller under the lock), so it names no other process, and
    // no other group: while the zombie holds the pid, no process can get it and lead a group.
    unsafe {
        libc::kill(target, signal);
    }
}

/// Block until the child `pid` has exited, without reaping it (`WNOWAIT`), so that signals can
/// be forwarded safely until the very end.
pub fn wait_exited_not_reaped(pid: u32) {
    let id: libc::id_t = pid;
    loop {
        // SAFETY: waitid writes only into `info`, a zeroed siginfo_t that lives across the call.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if rc == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

fn signal_name(signal: i32) -> String {
    match signal {
        SIGINT => "SIGINT".to_string(),
        SIGTERM => "SIGTERM".to_string(),
        other => format!("signal {other}"),
    }
}
