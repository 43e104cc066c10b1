use super::*;

#[tokio::test]
async fn logged_contacts_count_once_and_give_the_service_mix() {
    use porten_domain::{ContactOutcome, ContactTopic, LoggedContact};
    use porten_store::ContactLogEntry;
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
    let agent = s
        .create_user(
            &NewUser {
                username: "agent".into(),
                display_name: "Agent".into(),
                email: None,
                role: Role::Agent,
                unit: Some(code("KC")),
                password_hash: "x".into(),
            },
            at(7, 0),
        )
        .await
        .unwrap();
    let entry = |h, m, channel, topic, outcome, minutes: Option<u32>| ContactLogEntry {
        contact: LoggedContact {
            channel,
            topic_code: ContactTopic::code(&topic),
            topic,
            outcome,
            handle_seconds: minutes.map(|m| m * 60),
        },
        started_at: at(h, m),
        agent_id: Some(agent),
        errand_id: None,
        article: None,
    };
    let pothole = || ContactTopic::Service("pothole".into());
    let entries = [
        entry(8, 5, Channel::Phone, pothole(), ContactOutcome::Resolved, Some(4)),
        entry(8, 20, Channel::Phone, ContactTopic::TechHelp, ContactOutcome::Resolved, Some(10)),
        entry(8, 40, Channel::Phone, pothole(), ContactOutcome::Referred, None),
        // Became an errand: counted through the errand registered below.
        entry(9, 10, Channel::Phone, pothole(), ContactOutcome::Errand, Some(6)),
        entry(9, 30, Channel::Visit, ContactTopic::General, ContactOutcome::Resolved, Some(15)),
    ];
    assert_eq!(s.log_contacts(&entries).await.unwrap(), 5);
    let new = new_errand("pothole", "Hål i vägen", Channel::Phone);
    s.register_errand(Registration {
        public_id: random_id(),
        errand: &new,
        unit: &code("TK"),
        actor: &system(),
        at: at(9, 12),
    })
    .await
    .unwrap();

    let counts = s.contact_counts(at(8, 0), at(10, 0), 60).await.unwrap();
    let got: Vec<(DateTime<Utc>, Channel, u64)> = counts.iter().map(|c| (c.bucket_start, c.channel, c.count)).collect();
    assert_eq!(got, [(at(8, 0), Channel::Phone, 3), (at(9, 0), Channel::Phone, 1), (at(9, 0), Channel::Visit, 1)]);

    let mix = s.contact_mix(Channel::Phone, at(8, 0), at(10, 0)).await.unwrap();
    let got: Vec<(Option<&str>, u64, u64, f64)> =
        mix.iter().map(|m| (m.service_code.as_deref(), m.contacts, m.timed, m.handle_seconds)).collect();
    // pothole: two logged (resolved, referred) + one errand; the errand's logged 6 minutes still count as work.
    assert_eq!(got, [(Some("pothole"), 3, 2, 600.0), (None, 1, 1, 600.0)]);
    assert!(s.contact_mix(Channel::Email, at(8, 0), at(10, 0)).await.unwrap().is_empty());
    assert_eq!(s.first_logged_contact(Channel::Visit).await.unwrap(), Some(at(9, 30)));
    assert_eq!(s.first_logged_contact(Channel::Phone).await.unwrap(), Some(at(8, 5)));
    assert_eq!(s.first_logged_contact(Channel::Email).await.unwrap(), None);

    let mine = s.contacts_logged_by(agent, 2).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!((mine[0].started_at, mine[0].contact.topic.clone()), (at(9, 30), ContactTopic::General));
    assert_eq!(mine[1].contact, entries[3].contact, "read back as written");
    assert!(s.contacts_logged_by(agent + 1, 10).await.unwrap().is_empty());

    // Retention: who logged the early contacts is forgotten; they still count.
    assert_eq!(s.forget_contact_agents(at(8, 30)).await.unwrap(), 2);
    assert_eq!(s.forget_contact_agents(at(8, 30)).await.unwrap(), 0, "nothing left to forget");
    assert_eq!(s.contacts_logged_by(agent, 10).await.unwrap().len(), 3);
    let mix = s.contact_mix(Channel::Phone, at(8, 0), at(10, 0)).await.unwrap();
    assert_eq!(mix.iter().map(|m| m.contacts).sum::<u64>(), 4);
    db.cleanup().await;
}

#[tokio::test]
async fn a_merged_topic_is_retired_and_its_history_counts_under_the_survivor() {
    use porten_domain::{ContactOutcome, ContactTopic, LoggedContact, TopicRecord};
    use porten_store::{ContactLogEntry, MergeRefused};
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let at = |h: u32| Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap();
    let codes = |topics: &[TopicRecord]| topics.iter().map(|t| t.code.clone()).collect::<Vec<_>>();
    // The built-in topics, and one per service of the catalogue.
    let topics = s.contact_topics().await.unwrap();
    for code in ["general", "tech_help", "service:pothole"] {
        assert!(codes(&topics).contains(&code.to_owned()), "{code} is a topic");
    }
    let pothole = topics.iter().find(|t| t.code == "service:pothole").unwrap();
    assert_eq!(pothole.counts_as, ContactTopic::Service("pothole".into()));

    let parking = TopicRecord {
        code: "topic:parkering".into(),
        name_sv: "Parkering".into(),
        name_en: "Parking".into(),
        counts_as: ContactTopic::General,
        retired: false,
        merged_into: None,
    };
    assert!(s.add_contact_topic(&parking).await.unwrap());
    assert!(!s.add_contact_topic(&parking).await.unwrap(), "a code is added once");
    let entry = |topic_code: &str, topic: ContactTopic, h| ContactLogEntry {
        contact: LoggedContact {
            channel: Channel::Phone,
            topic_code: topic_code.into(),
            topic,
            outcome: ContactOutcome::Resolved,
            handle_seconds: Some(60),
        },
        started_at: at(h),
        agent_id: None,
        errand_id: None,
        article: None,
    };
    let log = [
        entry("topic:parkering", ContactTopic::General, 8),
        entry("topic:parkering", ContactTopic::General, 9),
        entry("service:pothole", ContactTopic::Service("pothole".into()), 9),
    ];
    s.log_contacts(&log).await.unwrap();
    let pothole_contacts = |mix: &[porten_store::ServiceMix]| {
        mix.iter().find(|m| m.service_code.as_deref() == Some("pothole")).map_or(0, |m| m.contacts)
    };
    let before = s.contact_mix(Channel::Phone, at(7), at(10)).await.unwrap();
    assert_eq!(pothole_contacts(&before), 1);

    // Renamed and retired, then brought back; unknown codes change nothing.
    assert!(s.rename_contact_topic("topic:parkering", "Parkering och p-tillstånd", "Parking").await.unwrap());
    assert!(!s.rename_contact_topic("topic:okänd", "x", "x").await.unwrap());
    assert!(s.retire_contact_topic("tech_help", true).await.unwrap());
    assert_eq!(
        s.merge_contact_topic("topic:parkering", "tech_help").await.unwrap(),
        Err(MergeRefused::Target),
        "never into a retired topic"
    );
    assert!(s.retire_contact_topic("tech_help", false).await.unwrap());
    assert_eq!(s.merge_contact_topic("topic:okänd", "general").await.unwrap(), Err(MergeRefused::Unknown));
    assert_eq!(s.merge_contact_topic("general", "general").await.unwrap(), Err(MergeRefused::Target));
    // A merge refused in the write (a topic retired meanwhile) leaves no audit entry.
    let entry = porten_store::AuditEntry {
        at: at(11),
        actor_kind: "system".into(),
        actor_id: None,
        actor_name: "contract-test".into(),
        action: "topic.merge".into(),
        errand_id: None,
        purpose: Some("general into general".into()),
    };
    let refused = porten_store::with_audit(entry, s.merge_contact_topic("general", "general")).await.unwrap();
    assert_eq!(refused, Err(MergeRefused::Target));
    let query = porten_store::AuditQuery { limit: 10, ..Default::default() };
    assert!(s.search_audit(&query).await.unwrap().iter().all(|r| r.entry.action != "topic.merge"), "not audited");

    assert_eq!(s.merge_contact_topic("topic:parkering", "service:pothole").await.unwrap(), Ok(2));
    let after = s.contact_mix(Channel::Phone, at(7), at(10)).await.unwrap();
    assert_eq!(pothole_contacts(&after), 3, "the merged topic's history counts under the survivor");
    assert_eq!(after.iter().map(|m| m.contacts).sum::<u64>(), 3, "nothing counted twice");
    let merged = s.contact_topics().await.unwrap().into_iter().find(|t| t.code == "topic:parkering").unwrap();
    assert_eq!((merged.retired, merged.merged_into.as_deref()), (true, Some("service:pothole")));
    assert!(!s.retire_contact_topic("topic:parkering", false).await.unwrap(), "a merged topic stays merged");
    assert_eq!(s.merge_contact_topic("topic:parkering", "general").await.unwrap(), Err(MergeRefused::Target));

    // A second merge takes the first's history along.
    assert_eq!(s.merge_contact_topic("service:pothole", "general").await.unwrap(), Ok(3));
    let all = s.contact_topics().await.unwrap();
    let into = |code: &str| all.iter().find(|t| t.code == code).unwrap().merged_into.clone();
    assert_eq!((into("topic:parkering"), into("service:pothole")), (Some("general".into()), Some("general".into())));
    let last = s.contact_mix(Channel::Phone, at(7), at(10)).await.unwrap();
    assert_eq!((pothole_contacts(&last), last.iter().map(|m| m.contacts).sum::<u64>()), (0, 3));
    db.cleanup().await;
}
