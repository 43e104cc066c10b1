use super::*;

#[tokio::test]
async fn contact_counts_group_errands_per_bucket_and_channel() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap();
    for (when, channel) in [
        (at(8, 0), Channel::Phone),
        (at(8, 59), Channel::Phone),
        (at(8, 30), Channel::Web),
        (at(9, 15), Channel::Phone),
        (at(11, 45), Channel::Email),
        (at(7, 59), Channel::Phone), // before the window
        (at(12, 0), Channel::Phone), // the window's end is exclusive
    ] {
        let new = new_errand("general-question", "Samtal", channel);
        s.register_errand(Registration {
            public_id: random_id(),
            errand: &new,
            unit: &code("KC"),
            actor: &system(),
            at: when,
        })
        .await
        .unwrap();
    }
    let counts = s.contact_counts(at(8, 0), at(12, 0), 60).await.unwrap();
    let got: Vec<(DateTime<Utc>, Channel, u64)> = counts.iter().map(|c| (c.bucket_start, c.channel, c.count)).collect();
    assert_eq!(
        got,
        [
            (at(8, 0), Channel::Phone, 2),
            (at(8, 0), Channel::Web, 1),
            (at(9, 0), Channel::Phone, 1),
            (at(11, 0), Channel::Email, 1)
        ]
    );
    let quarters = s.contact_counts(at(8, 0), at(9, 0), 15).await.unwrap();
    let got: Vec<(DateTime<Utc>, u64)> = quarters.iter().map(|c| (c.bucket_start, c.count)).collect();
    assert_eq!(got, [(at(8, 0), 1), (at(8, 30), 1), (at(8, 45), 1)]);
    assert!(s.contact_counts(at(13, 0), at(14, 0), 60).await.unwrap().is_empty());
    db.cleanup().await;
}

#[tokio::test]
async fn imported_acd_intervals_are_stored_replaced_and_read_back_by_channel() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    let row = |h: u32, offered: f64, channel: Channel| porten_store::AcdInterval {
        channel,
        start: t(2026, 3, 2, h),
        minutes: 60,
        offered,
        answered: offered - 1.0,
        abandoned: 1.0,
        aht_seconds: 287.5,
    };
    let first = vec![row(8, 10.0, Channel::Phone), row(9, 20.0, Channel::Phone), row(9, 3.0, Channel::Visit)];
    assert_eq!(s.import_acd(&first).await.unwrap(), 3);
    // Importing the same interval again replaces it.
    s.import_acd(&[row(9, 25.0, Channel::Phone)]).await.unwrap();
    let phone = s.acd_intervals(Channel::Phone, t(2026, 3, 2, 0), t(2026, 3, 3, 0)).await.unwrap();
    assert_eq!(phone, vec![row(8, 10.0, Channel::Phone), row(9, 25.0, Channel::Phone)]);
    let window = s.acd_intervals(Channel::Phone, t(2026, 3, 2, 9), t(2026, 3, 2, 10)).await.unwrap();
    assert_eq!(window.len(), 1, "the window is half-open");
    db.cleanup().await;
}
