//! E-mail intake from a real IMAP server (issue 20): a Dovecot on loopback
//! (`tests/imap/start-dovecot.sh`, IMAPS with its own certificate), as
//! `porten mail-intake --imap` polls it. Dovecot must be installed
//! (Debian's `dovecot-imapd`; `.ci/run` installs it and sets
//! `PORTEN_REQUIRE_DOVECOT`); where it is not, the test says so and checks nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use porten_app::imap::{ImapSettings, Polled, connect, poll};
use porten_app::intake::IntakeSettings;

use crate::support::{SmtpSink, TestApp};

/// A Dovecot of its own, stopped when dropped.
struct Dovecot {
    dir: PathBuf,
    port: u16,
}

impl Dovecot {
    fn start() -> Option<Dovecot> {
        if !Path::new("/usr/sbin/dovecot").exists() {
            // CI installs it and asks for the test to run.
            assert!(
                std::env::var_os("PORTEN_REQUIRE_DOVECOT").is_none(),
                "PORTEN_REQUIRE_DOVECOT is set but dovecot is not installed"
            );
            eprintln!("dovecot is not installed (apt-get install dovecot-imapd): the IMAP test checks nothing here");
            return None;
        }
        let script = format!("{}/../../tests/imap/start-dovecot.sh", env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::Builder::new().prefix("dc").tempdir_in("/tmp").unwrap().keep();
        let (port, plain) = (SmtpSink::free_port(), SmtpSink::free_port());
        let out = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .env("IMAP_PORT", port.to_string())
            .env("IMAP_PLAIN_PORT", plain.to_string())
            .output()
            .expect("run start-dovecot.sh");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Some(Dovecot { dir, port })
    }

    fn settings(&self) -> ImapSettings {
        let mut s =
            ImapSettings::new(&format!("imaps://localhost:{}", self.port), "porten", "porten-imap-test").unwrap();
        s.ca_file = Some(self.dir.join("cert.pem"));
        s.session = std::time::Duration::ZERO;
        s
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let script = format!("{}/../../tests/imap/start-dovecot.sh", env!("CARGO_MANIFEST_DIR"));
        let _ = Command::new("bash").arg(&script).arg("stop").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn uids(imap: &ImapSettings, mailbox: &str) -> usize {
    let mut s = connect(imap).await.unwrap();
    s.select(mailbox).await.unwrap();
    let n = s.uid_search("ALL").await.unwrap().len();
    s.logout().await.unwrap();
    n
}

#[tokio::test]
async fn mail_in_the_mailbox_is_taken_once_and_moved_out_of_the_inbox() {
    let Some(dovecot) = Dovecot::start() else { return };
    let t = TestApp::new().await;
    let imap = dovecot.settings();
    let mut s = connect(&imap).await.unwrap();
    for (n, from) in [(1, "anna.berg@example.se"), (2, "karin.lind@example.se")] {
        let mail = format!(
            "From: <{from}>\r\nTo: kontaktcenter@example.org\r\nSubject: Fr\u{e5}ga {n}\r\nMessage-ID: <imap-{n}@example.se>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nHej, en fr\u{e5}ga nummer {n}.\r\n"
        );
        s.append("INBOX", None, None, mail.as_bytes()).await.unwrap();
    }
    s.append("INBOX", None, None, b"Subject: utan avsandare\r\n\r\nNagon text\r\n").await.unwrap();
    s.logout().await.unwrap();

    let intake = IntakeSettings::default();
    let polled = poll(&t.app, &imap, &intake).await.unwrap();
    assert_eq!(polled, Polled { taken: 2, refused: 1 });
    let errands = t.app.list_errands(&crate::support::system(), Default::default()).await.unwrap();
    assert_eq!(errands.total, 2, "one errand per mail");
    assert_eq!(uids(&imap, "INBOX").await, 0, "the inbox is emptied");
    assert_eq!(uids(&imap, "Porten/Intagen").await, 2);
    assert_eq!(uids(&imap, "Porten/Avvisade").await, 1, "the refused message is kept aside, not deleted");

    // A mail put back in the inbox (a move that failed) is taken once.
    let mut s = connect(&imap).await.unwrap();
    s.select("Porten/Intagen").await.unwrap();
    let first = *s.uid_search("ALL").await.unwrap().iter().min().unwrap();
    s.uid_copy(first.to_string(), "INBOX").await.unwrap();
    s.logout().await.unwrap();
    assert_eq!(poll(&t.app, &imap, &intake).await.unwrap(), Polled { taken: 1, refused: 0 });
    assert_eq!(t.app.list_errands(&crate::support::system(), Default::default()).await.unwrap().total, 2);
    t.db.cleanup().await;
}
