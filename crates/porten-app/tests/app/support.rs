//! The app tests' support: the one fixture city ([`porten_app::testing`]),
//! used as it is, and an SMTP sink for the mail tests.
//!
//! `TestApp` is [`porten_app::testing::FixtureCity`]: App on a fresh database (SQLite, or
//! PostgreSQL when `TEST_DATABASE_URL` is set) and a manual clock at
//! 2026-11-03 09:00 UTC, with units TK, KC (the contact center) and SOF, a
//! service per unit (SOF's confidential) and a user per role, set up through
//! App.

use std::sync::Arc;

pub use porten_app::testing::{FixtureCity as TestApp, PASSWORD, code, system};

/// An SMTP sink on loopback: it speaks enough SMTP for a real client
/// (lettre) to deliver to it, and keeps each message's text.
pub struct SmtpSink {
    messages: Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    /// A loopback port nothing listens on (yet): a mail server that is down.
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    /// A sink listening on `port`.
    pub async fn start_on(port: u16) -> SmtpSink {
        Self::start_answering(port, b"250 ok\r\n").await
    }

    /// A server on `port` that refuses every recipient for good (550).
    pub async fn start_refusing(port: u16) -> SmtpSink {
        Self::start_answering(port, b"550 5.1.1 <nobody@example.se>: Recipient address rejected\r\n").await
    }

    /// A server that answers `rcpt` to `RCPT TO`.
    async fn start_answering(port: u16, rcpt: &'static [u8]) -> SmtpSink {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let messages = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 sink ESMTP\r\n").await.ok();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                        let answer: &[u8] = match verb.as_str() {
                            "DATA" => {
                                write.write_all(b"354 end with .\r\n").await.ok();
                                let mut text = String::new();
                                while let Ok(Some(l)) = lines.next_line().await {
                                    if l == "." {
                                        break;
                                    }
                                    text.push_str(&l);
                                    text.push('\n');
                                }
                                kept.lock().unwrap().push(text);
                                b"250 queued\r\n"
                            }
                            "RCPT" => rcpt,
                            "QUIT" => {
                                write.write_all(b"221 bye\r\n").await.ok();
                                break;
                            }
                            _ => b"250 ok\r\n",
                        };
                        write.write_all(answer).await.ok();
                    }
                });
            }
        });
        SmtpSink { messages, task }
    }

    /// The messages received so far, headers and body, in order.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}
