//! `porten mail-intake` as an MTA runs it: the message on stdin, the
//! registry number on stdout, and exit statuses the MTA acts on.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use porten_store::testing::TestDb;

use crate::support::prepare;

fn intake(database_url: &str, mail: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_porten"))
        .args(["mail-intake", "--database-url", database_url])
        .env("PORTEN_LOG", "warn")
        .env("PORTEN_MAIL_DEFAULT_SERVICE", "pothole")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start porten mail-intake");
    child.stdin.take().unwrap().write_all(mail).unwrap();
    child.wait_with_output().unwrap()
}

const MAIL: &[u8] = b"From: Anna Berg <anna.berg@example.se>\r\nTo: kontakt@example.org\r\n\
Subject: =?utf-8?q?H=C3=A5l_i_gatan?=\r\nMessage-ID: <pipe-1@example.se>\r\n\r\nDjupt h\xc3\xa5l vid Sj\xc3\xb6gatan 14.\r\n";

#[tokio::test]
async fn a_piped_mail_prints_its_registry_number_and_is_taken_once() {
    let db = TestDb::new().await;
    prepare(&db).await;
    let first = intake(&db.url, MAIL);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(String::from_utf8_lossy(&first.stdout).trim(), "TK 2026/00001");
    let again = intake(&db.url, MAIL);
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "TK 2026/00001", "delivered twice, taken once");
    db.cleanup().await;
}

#[test]
fn an_unreachable_database_asks_the_mta_to_try_again_and_a_non_mail_is_refused() {
    // Nothing listens on port 1: the MTA must keep the mail (75), never bounce it.
    let down = intake("postgres://porten@127.0.0.1:1/porten", MAIL);
    assert_eq!(down.status.code(), Some(75), "{}", String::from_utf8_lossy(&down.stderr));
    assert!(String::from_utf8_lossy(&down.stderr).contains("try again later"));
    let garbage = intake("postgres://porten@127.0.0.1:1/porten", b"");
    assert_eq!(garbage.status.code(), Some(65), "{}", String::from_utf8_lossy(&garbage.stderr));
    let no_sender = intake("postgres://porten@127.0.0.1:1/porten", b"Subject: hej\r\n\r\ntext\r\n");
    assert_eq!(no_sender.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&no_sender.stderr).contains("no sender"));
}
