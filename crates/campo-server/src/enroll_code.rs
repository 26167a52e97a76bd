//! One-time enrollment codes, issued the same way from the command line and the console:
//! 12 random letters and digits, valid 15 minutes and once; only the SHA-256 of the
//! normalised code is stored.

use crate::secret::{new_enroll_code, normalize_code, sha256_hex};
use crate::store::{StorageError, Store};
use chrono::{DateTime, Duration, Utc};

pub const VALID_FOR: Duration = Duration::minutes(15);

pub struct Issued {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues a code for a device of `project` to be called `name` (1 to 100 characters,
/// `Invalid` otherwise; `NotFound` for an unknown project).
pub async fn issue(
    store: &dyn Store,
    project: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Issued, StorageError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StorageError::Invalid("must be 1 to 100 characters".into()));
    }
    let code = new_enroll_code();
    let expires_at = now + VALID_FOR;
    store
        .add_enroll_code(
            project,
            &sha256_hex(normalize_code(&code).as_bytes()),
            name,
            expires_at,
        )
        .await?;
    Ok(Issued { code, expires_at })
}

/// The code as an SVG QR code, for the console's page.
pub fn qr_svg(code: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(code.as_bytes()).ok()?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(192, 192)
        .quiet_zone(true)
        .build();
    // Inline in HTML: no XML declaration before the element.
    Some(svg[svg.find("<svg")?..].to_string())
}
