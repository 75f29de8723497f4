//! The terms of the protocol itself: local pids and references, exit
//! reasons, and the framing of distribution messages.
//!
//! Everything here works on `eetf` terms directly; typed values go through
//! the term codec ([`super::term`]) before they reach this layer.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use eetf::{Atom, BigInteger, FixInteger, List, Map, Pid, Reference, Term, Tuple};
use erl_dist::message::Message;

use super::term::{MalformedTerm, check_terms, render_bounded};
use crate::{ActorId, ExitReason};

/// A map for the tables looked up per message (pids, references, names):
/// FNV-1a instead of SipHash. Keys come from connected peers, which share
/// the cookie, so flooding resistance is not needed here; speed is.
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
    fn write_u64(&mut self, n: u64) {
        self.write(&n.to_le_bytes());
    }
}

/// The pass-through tag that starts every distribution message (no atom cache).
const PASS_THROUGH: u8 = 112;

/// A frame larger than this is taken for a broken peer and ends the connection.
pub(crate) const MAX_FRAME: usize = 256 << 20;

/// Encodes `msg` as one frame: a 4-byte length, the pass-through tag, the
/// control message and its payload. The message is consumed, not copied.
pub(crate) fn frame(msg: Message) -> Result<Vec<u8>, erl_dist::message::SendError> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(&[0, 0, 0, 0, PASS_THROUGH]);
    msg.write_into(&mut buf)?;
    let len = u32::try_from(buf.len() - 4).expect("frame length fits in 32 bits");
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(buf)
}

/// The keep-alive frame: a zero length.
pub(crate) const TICK: [u8; 4] = [0; 4];

/// One frame taken off the wire.
pub(crate) enum Frame<'a> {
    Tick,
    Message(&'a [u8]),
}

/// Splits the next complete frame off `buf`, returning it and its length on
/// the wire; `None` if `buf` does not hold a whole frame yet.
pub(crate) fn next_frame(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, String> {
    let Some(header) = buf.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes(header.try_into().expect("four bytes")) as usize;
    if len == 0 {
        return Ok(Some((Frame::Tick, 4)));
    }
    if len > MAX_FRAME {
        return Err(format!("frame of {len} bytes is over the limit"));
    }
    let Some(body) = buf.get(4..4 + len) else {
        return Ok(None);
    };
    if body[0] != PASS_THROUGH {
        return Err(format!(
            "frame starts with tag {} instead of {PASS_THROUGH} (distribution headers were not negotiated)",
            body[0]
        ));
    }
    Ok(Some((Frame::Message(&body[1..]), 4 + len)))
}

/// Why the message in a frame was dropped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UnreadableMessage {
    /// Its terms failed the check made before decoding them.
    #[error("malformed term: {0}")]
    Malformed(#[from] MalformedTerm),
    /// Its terms are sound but do not make a distribution message; the
    /// text is bounded, since it may show a term the peer sent.
    #[error("{0}")]
    Undecodable(String),
    /// `eetf` or `erl_dist` panicked (the check should make this
    /// unreachable; a panic must not end the connection task all the same).
    #[error("the decoder panicked on it")]
    Panicked,
}

/// Decodes the message in a frame's body (after the pass-through tag).
///
/// The terms are checked first ([`check_terms`]), so that no peer can make
/// `eetf` allocate more than the frame holds, recurse deeper than
/// [`MAX_TERM_DEPTH`](super::term::MAX_TERM_DEPTH) or panic: a frame that
/// fails is an error for the caller to log and drop, like any undecodable
/// one, and the connection carries on.
pub(crate) fn read_message(body: &[u8]) -> Result<Message, UnreadableMessage> {
    check_terms(body)?;
    match std::panic::catch_unwind(|| Message::read_from(&mut &body[..])) {
        Ok(Ok(msg)) => Ok(msg),
        Ok(Err(e)) => Err(UnreadableMessage::Undecodable(render_bounded(&e))),
        Err(_) => Err(UnreadableMessage::Panicked),
    }
}

/// The Erlang pid of a local process: the 64-bit id split in two 32-bit
/// halves (pid `<node.ID.SERIAL>`; full 32-bit halves need `V4_NC`, which
/// OTP 24+ negotiates).
pub(crate) fn local_pid(node: &Atom, creation: u32, id: ActorId) -> Pid {
    let n = id.as_u64();
    Pid {
        node: node.clone(),
        id: n as u32,
        serial: (n >> 32) as u32,
        creation,
    }
}

/// The local id behind a pid of this node, if it can be one.
pub(crate) fn local_id(pid: &Pid) -> Option<ActorId> {
    ActorId::from_u64(u64::from(pid.id) | (u64::from(pid.serial) << 32))
}

/// A reference of this node carrying `n` (and a fixed third word, so that
/// references of this node are 3 words long like OTP's).
pub(crate) fn local_ref(node: &Atom, creation: u32, n: u64) -> Reference {
    Reference {
        node: node.clone(),
        id: vec![n as u32, (n >> 32) as u32, 0],
        creation,
    }
}

/// The number a reference of this node carries.
pub(crate) fn ref_number(reference: &Reference) -> Option<u64> {
    match reference.id[..] {
        [low, high, 0] => Some(u64::from(low) | (u64::from(high) << 32)),
        _ => None,
    }
}

pub(crate) fn atom(name: &str) -> Term {
    Term::Atom(Atom::from(name))
}

pub(crate) fn tuple(elements: Vec<Term>) -> Term {
    Term::Tuple(Tuple { elements })
}

pub(crate) fn binary(text: &str) -> Term {
    Term::Binary(eetf::Binary::from(text.as_bytes()))
}

pub(crate) fn is_atom(term: &Term, name: &str) -> bool {
    matches!(term, Term::Atom(a) if a.name == name)
}

/// `{:error, {:badarg, "why"}}`: the reply to a request that did not decode.
pub(crate) fn badarg_reply(why: &str) -> Term {
    tuple(vec![
        atom("error"),
        tuple(vec![atom("badarg"), binary(why)]),
    ])
}

/// The `why` of a `{:error, {:badarg, "why"}}` reply.
pub(crate) fn as_badarg_reply(term: &Term) -> Option<String> {
    let Term::Tuple(t) = term else { return None };
    let [tag, inner] = &t.elements[..] else {
        return None;
    };
    let Term::Tuple(inner) = inner else {
        return None;
    };
    match (&inner.elements[..], is_atom(tag, "error")) {
        ([kind, Term::Binary(why)], true) if is_atom(kind, "badarg") => {
            Some(String::from_utf8_lossy(&why.bytes).into_owned())
        }
        _ => None,
    }
}

/// The term OTP uses for an exit reason.
///
/// A panic becomes an Elixir `RuntimeError` exception (`{%RuntimeError{message: m}, []}`),
/// so that Elixir prints `** (RuntimeError) m` and reads it back as a crash.
pub(crate) fn reason_to_term(reason: &ExitReason) -> Term {
    match reason {
        ExitReason::Normal => atom("normal"),
        ExitReason::Shutdown => atom("shutdown"),
        ExitReason::ShutdownWith(why) => tuple(vec![atom("shutdown"), binary(why)]),
        ExitReason::Killed => atom("killed"),
        ExitReason::NoProc => atom("noproc"),
        ExitReason::NoConnection => atom("noconnection"),
        ExitReason::Panic(message) => {
            let exception = Map::from([
                (atom("__struct__"), atom("Elixir.RuntimeError")),
                (atom("__exception__"), atom("true")),
                (atom("message"), binary(message)),
            ]);
            tuple(vec![Term::Map(exception), Term::List(List::nil())])
        }
        ExitReason::InitFailed => atom("init_failed"),
    }
}

/// The exit reason a term from another node stands for.
///
/// OTP's reasons map one to one; an exception (`{%SomeError{message: m}, stack}`)
/// is a crash with its message; any other abnormal reason is a crash whose
/// message is the atom's name, or the term in Erlang syntax (cut after
/// `TEXT_LIMIT` characters (in `term::render`): the term comes from a
/// peer).
pub(crate) fn reason_from_term(term: &Term) -> ExitReason {
    match term {
        Term::Atom(a) => match a.name.as_str() {
            "normal" => ExitReason::Normal,
            "shutdown" => ExitReason::Shutdown,
            "killed" | "kill" => ExitReason::Killed,
            "noproc" => ExitReason::NoProc,
            "noconnection" => ExitReason::NoConnection,
            "init_failed" => ExitReason::InitFailed,
            other => ExitReason::Panic(other.to_owned()),
        },
        Term::Tuple(t) => match &t.elements[..] {
            [tag, why] if is_atom(tag, "shutdown") => ExitReason::ShutdownWith(text(why)),
            [Term::Map(exception), _stack] => match exception.map.get(&atom("message")) {
                Some(message) => ExitReason::Panic(text(message)),
                None => ExitReason::Panic(render_bounded(term)),
            },
            _ => ExitReason::Panic(render_bounded(term)),
        },
        _ => ExitReason::Panic(render_bounded(term)),
    }
}

/// A binary as its text, anything else in Erlang syntax.
fn text(term: &Term) -> String {
    match term {
        Term::Binary(b) => String::from_utf8_lossy(&b.bytes).into_owned(),
        other => render_bounded(other),
    }
}

/// An integer term, whatever its width.
pub(crate) fn int(n: i64) -> Term {
    match i32::try_from(n) {
        Ok(n) => Term::FixInteger(FixInteger { value: n }),
        Err(_) => Term::BigInteger(BigInteger::from(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_reasons_survive_the_round_trip() {
        for reason in [
            ExitReason::Normal,
            ExitReason::Shutdown,
            ExitReason::ShutdownWith("draining".into()),
            ExitReason::Killed,
            ExitReason::NoProc,
            ExitReason::NoConnection,
            ExitReason::Panic("boom".into()),
            ExitReason::InitFailed,
        ] {
            assert_eq!(reason_from_term(&reason_to_term(&reason)), reason);
        }
    }

    #[test]
    fn an_unknown_reason_is_a_crash_named_by_its_term() {
        let reason = tuple(vec![atom("bad"), int(1)]);
        assert_eq!(
            reason_from_term(&reason),
            ExitReason::Panic("{'bad',1}".into())
        );
    }

    #[test]
    fn local_pids_and_refs_carry_their_number() {
        let node = Atom::from("a@127.0.0.1");
        let id = ActorId::from_u64((7 << 32) | 42).unwrap();
        let pid = local_pid(&node, 3, id);
        assert_eq!((pid.id, pid.serial), (42, 7));
        assert_eq!(local_id(&pid), Some(id));
        let r = local_ref(&node, 3, (9 << 32) | 5);
        assert_eq!(ref_number(&r), Some((9 << 32) | 5));
    }

    #[test]
    fn frames_are_split_off_whole() {
        let msg = Message::reg_send(
            local_pid(&Atom::from("a@h"), 1, ActorId::OUTSIDE),
            Atom::from("counter"),
            atom("get"),
        );
        let mut bytes = frame(msg).unwrap();
        bytes.extend_from_slice(&TICK);
        assert!(next_frame(&bytes[..6]).unwrap().is_none());
        let (Frame::Message(body), used) = next_frame(&bytes).unwrap().unwrap() else {
            panic!("expected a message");
        };
        assert_eq!(used, bytes.len() - 4);
        let Message::RegSend(send) = Message::read_from(&mut &body[..]).unwrap() else {
            panic!("expected REG_SEND");
        };
        assert_eq!(send.to_name.name, "counter");
        assert!(matches!(
            next_frame(&bytes[used..]).unwrap(),
            Some((Frame::Tick, 4))
        ));
    }

    /// A frame's body: the control message of a `REG_SEND` of `payload`
    /// (its bytes, version byte included).
    fn reg_send_body(payload: &[u8]) -> Vec<u8> {
        let msg = Message::reg_send(
            local_pid(&Atom::from("a@h"), 1, ActorId::OUTSIDE),
            Atom::from("counter"),
            atom("get"),
        );
        let framed = frame(msg).unwrap();
        let (Frame::Message(body), _) = next_frame(&framed).unwrap().unwrap() else {
            panic!("expected a message");
        };
        // The control message, then the payload in place of `:get`.
        let get = [131, 119, 3, b'g', b'e', b't'];
        let control = body.strip_suffix(&get[..]).expect("`:get` last");
        [control, payload].concat()
    }

    #[test]
    fn a_message_is_read_from_a_sound_frame() {
        let body = reg_send_body(&[131, 104, 1, 97, 7]);
        let Ok(Message::RegSend(send)) = read_message(&body) else {
            panic!("expected REG_SEND");
        };
        assert_eq!(send.message, tuple(vec![int(7)]));
    }

    #[test]
    fn hostile_frames_are_refused_before_decoding() {
        // A list claiming 2³² - 1 elements.
        let huge = reg_send_body(&[131, 108, 255, 255, 255, 255, 106]);
        assert!(matches!(
            read_message(&huge),
            Err(UnreadableMessage::Malformed(
                MalformedTerm::Implausible { .. }
            ))
        ));
        // 100 000 nested tuples: eetf would overflow the stack.
        let mut deep = vec![131];
        for _ in 0..100_000 {
            deep.extend_from_slice(&[104, 1]);
        }
        deep.push(106);
        assert!(matches!(
            read_message(&reg_send_body(&deep)),
            Err(UnreadableMessage::Malformed(MalformedTerm::TooDeep { .. }))
        ));
        // An atom cache reference: eetf would panic.
        assert!(matches!(
            read_message(&reg_send_body(&[131, 82, 0])),
            Err(UnreadableMessage::Malformed(
                MalformedTerm::AtomCacheRef { .. }
            ))
        ));
        // The payload cut short.
        let cut = reg_send_body(&[131, 104, 2, 97, 1]);
        assert!(matches!(
            read_message(&cut),
            Err(UnreadableMessage::Malformed(
                MalformedTerm::Truncated { .. }
            ))
        ));
    }

    #[test]
    fn an_undecodable_message_names_a_bounded_term() {
        // A control message that is a huge list instead of a tuple.
        let mut body = vec![131, 108, 0, 0, 0x27, 0x10];
        body.extend(std::iter::repeat_n([97, 1], 10_000).flatten());
        body.push(106);
        let error = read_message(&body).map(|_| ()).unwrap_err().to_string();
        assert!(error.chars().count() <= 241, "{error}");
        assert!(error.ends_with('…'), "{error}");
    }

    #[test]
    fn a_reason_in_erlang_syntax_is_bounded() {
        let reason = Term::List(List::from(vec![int(1); 100_000]));
        let ExitReason::Panic(message) = reason_from_term(&reason) else {
            panic!("expected a crash");
        };
        assert!(message.starts_with("[1,1,1"), "{message}");
        assert!(message.chars().count() <= 241, "{message}");
    }

    #[test]
    fn a_badarg_reply_is_recognised() {
        let reply = badarg_reply("expected :get");
        assert_eq!(as_badarg_reply(&reply).as_deref(), Some("expected :get"));
        assert_eq!(as_badarg_reply(&atom("ok")), None);
    }
}
