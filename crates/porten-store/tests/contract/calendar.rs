use super::*;

#[tokio::test]
async fn day_exceptions_are_set_replaced_listed_and_removed() {
    use chrono::NaiveDate;
    use porten_domain::calendar::DayException;
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let admin = s
        .create_user(
            &NewUser {
                username: "admin".into(),
                display_name: "Admin".into(),
                email: None,
                role: Role::SystemAdmin,
                unit: None,
                password_hash: "x".into(),
            },
            t(2026, 11, 1, 8),
        )
        .await
        .unwrap();
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let exception = |m, d, open, note: &str| DayException { date: day(m, d), open, note: note.into() };
    s.set_day_exception(&exception(12, 24, false, "Stängt"), admin, t(2026, 11, 2, 9)).await.unwrap();
    s.set_day_exception(&exception(5, 15, false, "Klämdag"), admin, t(2026, 11, 2, 9)).await.unwrap();
    s.set_day_exception(&exception(12, 24, true, "Öppet ändå"), admin, t(2026, 11, 3, 9)).await.unwrap();
    assert_eq!(
        s.day_exceptions(day(1, 1), day(12, 31)).await.unwrap(),
        [exception(5, 15, false, "Klämdag"), exception(12, 24, true, "Öppet ändå")],
        "by date; the later decision replaced the earlier one"
    );
    assert_eq!(s.day_exceptions(day(5, 16), day(12, 24)).await.unwrap(), [], "[from, to)");
    assert!(s.delete_day_exception(day(5, 15)).await.unwrap());
    assert!(!s.delete_day_exception(day(5, 15)).await.unwrap(), "nothing left to remove");
    assert_eq!(s.day_exceptions(day(1, 1), day(12, 31)).await.unwrap().len(), 1);
    db.cleanup().await;
}
