//! Reporting periods: days, ISO weeks (Monday to Sunday) and calendar months, keyed by an
//! integer so consecutive periods are consecutive keys.

use serde::{Deserialize, Serialize};

use crate::io::{days_from_civil, Timestamp};

/// The length of a trend period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar days (`2026-03-01`).
    Day,
    /// ISO weeks, Monday to Sunday (`2026-W09`).
    #[default]
    Week,
    /// Calendar months (`2026-03`).
    Month,
}

impl Period {
    /// The name used in options and output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// The key of the period holding a date (as written, in its own time zone): days since
    /// 1970-01-01 for days, the week number since the Monday 1969-12-29 for weeks, and
    /// `year × 12 + month − 1` for months.
    #[must_use]
    pub fn key(self, t: &Timestamp) -> i64 {
        match self {
            Period::Day => t.days_since_epoch(),
            Period::Week => (t.days_since_epoch() + 3).div_euclid(7),
            Period::Month => i64::from(t.year) * 12 + i64::from(t.month) - 1,
        }
    }

    /// The label of a period key: `2026-03-01`, `2026-W09` or `2026-03`.
    ///
    /// # Examples
    ///
    /// ```
    /// use fankui::report::Period;
    /// use fankui::Timestamp;
    ///
    /// let t = Timestamp::parse("2026-03-01").unwrap(); // a Sunday
    /// assert_eq!(Period::Day.label(Period::Day.key(&t)), "2026-03-01");
    /// assert_eq!(Period::Week.label(Period::Week.key(&t)), "2026-W09");
    /// assert_eq!(Period::Month.label(Period::Month.key(&t)), "2026-03");
    /// ```
    #[must_use]
    pub fn label(self, key: i64) -> String {
        match self {
            Period::Day => {
                let (y, m, d) = civil_from_days(key);
                format!("{y:04}-{m:02}-{d:02}")
            }
            Period::Week => {
                // The ISO year of a week is the year of its Thursday.
                let monday = key * 7 - 3;
                let (y, _, _) = civil_from_days(monday + 3);
                let jan4 = days_from_civil(y, 1, 4);
                let week1_monday = jan4 - (jan4 + 3).rem_euclid(7);
                let week = (monday - week1_monday) / 7 + 1;
                format!("{y:04}-W{week:02}")
            }
            Period::Month => format!("{:04}-{:02}", key.div_euclid(12), key.rem_euclid(12) + 1),
        }
    }

    /// The first day of a period, as `YYYY-MM-DD`.
    #[must_use]
    pub fn start(self, key: i64) -> String {
        let (y, m, d) = civil_from_days(self.first_day(key));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// The first day of a period, in days since 1970-01-01 (the count of
    /// [`Timestamp::days_since_epoch`], which keys the periods).
    ///
    /// # Examples
    ///
    /// ```
    /// use fankui::report::Period;
    /// use fankui::Timestamp;
    ///
    /// let t = Timestamp::parse("2026-03-04").unwrap(); // a Wednesday
    /// let monday = Timestamp::parse("2026-03-02").unwrap();
    /// assert_eq!(Period::Week.first_day(Period::Week.key(&t)), monday.days_since_epoch());
    /// ```
    #[must_use]
    pub fn first_day(self, key: i64) -> i64 {
        match self {
            Period::Day => key,
            Period::Week => key * 7 - 3,
            Period::Month => days_from_civil(key.div_euclid(12), key.rem_euclid(12) as u8 + 1, 1),
        }
    }

    /// The number of days in a period: 1, 7, or the month's 28 to 31.
    ///
    /// # Examples
    ///
    /// ```
    /// use fankui::report::Period;
    /// use fankui::Timestamp;
    ///
    /// let feb = Period::Month.key(&Timestamp::parse("2024-02-10").unwrap());
    /// assert_eq!(Period::Month.days(feb), 29);
    /// assert_eq!(Period::Week.days(feb), 7);
    /// ```
    #[must_use]
    pub fn days(self, key: i64) -> u32 {
        match self {
            Period::Day => 1,
            Period::Week => 7,
            // 28 to 31: lossless.
            Period::Month => (self.first_day(key + 1) - self.first_day(key)) as u32,
        }
    }
}

impl std::str::FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            _ => Err(format!("unknown period {s:?}: expected day, week or month")),
        }
    }
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn days_round_trip() {
        for days in -800_000..800_000i64 {
            if days % 997 != 0 {
                continue;
            }
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn iso_weeks() {
        // Known ISO weeks, including year boundaries.
        for (date, week) in [
            ("2026-01-01", "2026-W01"), // Thursday
            ("2025-12-29", "2026-W01"), // Monday of the same week
            ("2025-12-28", "2025-W52"), // Sunday before
            ("2021-01-03", "2020-W53"),
            ("2021-01-04", "2021-W01"),
            ("2024-12-30", "2025-W01"),
            ("2026-03-01", "2026-W09"),
            ("2026-03-02", "2026-W10"),
        ] {
            let t = ts(date);
            assert_eq!(Period::Week.label(Period::Week.key(&t)), week, "{date}");
        }
        let monday = Period::Week.key(&ts("2026-03-02"));
        assert_eq!(Period::Week.key(&ts("2026-03-08")), monday);
        assert_eq!(Period::Week.key(&ts("2026-03-09")), monday + 1);
        assert_eq!(Period::Week.start(monday), "2026-03-02");
    }

    #[test]
    fn months_and_days() {
        let t = ts("2026-12-31T23:30:00+08:00");
        assert_eq!(Period::Month.label(Period::Month.key(&t)), "2026-12");
        assert_eq!(
            Period::Month.key(&ts("2027-01-01")),
            Period::Month.key(&t) + 1
        );
        assert_eq!(Period::Month.start(Period::Month.key(&t)), "2026-12-01");
        assert_eq!(Period::Day.label(Period::Day.key(&t)), "2026-12-31");
    }

    #[test]
    fn periods_know_their_days() {
        let days: Vec<u32> = (1..=12u8)
            .map(|m| Period::Month.days(Period::Month.key(&ts(&format!("2026-{m:02}-15")))))
            .collect();
        assert_eq!(days, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
        let feb = |y: i32| Period::Month.days(Period::Month.key(&ts(&format!("{y}-02-01"))));
        assert_eq!((feb(2024), feb(2100), feb(2000)), (29, 28, 29));
        // Consecutive periods tile the days.
        for period in [Period::Day, Period::Week, Period::Month] {
            let k = period.key(&ts("2025-12-31"));
            for key in k - 30..k + 30 {
                assert_eq!(
                    period.first_day(key) + i64::from(period.days(key)),
                    period.first_day(key + 1),
                    "{period} {key}"
                );
            }
            let t = ts("2026-03-04");
            let first = period.first_day(period.key(&t));
            assert!(first <= t.days_since_epoch());
            assert!(t.days_since_epoch() < first + i64::from(period.days(period.key(&t))));
        }
    }
}

crate::types::display_as_str!(Period);
