//! Online sign-in and the approver's online PIN check, off the worker's
//! thread: the request runs on a short-lived thread of its own (a long
//! bootstrap on the sync thread does not hold it up) and its answer comes
//! back to the worker as a message; the worker judges scans meanwhile. No
//! answer within [`SIGN_IN_TIMEOUT`] is [`OnlineSignIn::Unreachable`]: the
//! device checks the PIN itself, as offline.

use sparescan_client::{Client, ClientError, SIGN_IN_TIMEOUT};

use crate::cache::Cache;
use crate::engine::{OnlineSignIn, meta, t};

/// Where and as whom to ask: the enrolled device's server, CA and token.
pub struct Server {
    url: String,
    ca_pem: String,
    token: String,
}

impl Server {
    /// The enrolled device's server; `None` before enrollment (or when the
    /// cache cannot say).
    pub fn of(cache: &Cache) -> Option<Server> {
        let get = |key| match cache.meta(key) {
            Ok(v) => v,
            Err(e) => {
                log::warn!("online sign-in not tried: {e}");
                None
            }
        };
        Some(Server {
            url: get(meta::SERVER_URL)?,
            ca_pem: get(meta::CA_PEM)?,
            token: get(meta::DEVICE_TOKEN)?,
        })
    }
}

/// Asks the server about `badge` and `pin` on a thread of its own and
/// calls `done` with the answer there.
pub fn check(
    server: Server,
    badge: String,
    pin: String,
    done: impl FnOnce(OnlineSignIn) + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name("sparescan-sign-in".into())
        .spawn(move || {
            let answer = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(async {
                    tokio::time::timeout(SIGN_IN_TIMEOUT, sign_in(&server, &badge, &pin))
                        .await
                        .unwrap_or_else(|_| {
                            log::info!(
                                "online sign-in: no answer in {} s, checking on the device",
                                SIGN_IN_TIMEOUT.as_secs()
                            );
                            OnlineSignIn::Unreachable
                        })
                }),
                Err(e) => {
                    log::warn!("online sign-in not tried: no network runtime: {e}");
                    OnlineSignIn::Unreachable
                }
            };
            done(answer);
        });
    if let Err(e) = spawned {
        log::error!("online sign-in not tried: cannot start its thread: {e}");
    }
}

/// Signs the person whose badge was scanned in with the server; the answer
/// carries their presence key for this device.
async fn sign_in(server: &Server, badge: &str, pin: &str) -> OnlineSignIn {
    let mut client = match Client::new(&server.url, server.ca_pem.as_bytes()) {
        Ok(c) => c.with_device_token(server.token.clone()),
        Err(e) => {
            log::warn!("online sign-in not tried: {e}");
            return OnlineSignIn::Unreachable;
        }
    };
    match client.sign_in(badge, pin, None).await {
        Ok(signed) => match signed.presence {
            Some(key) => {
                log::info!("online sign-in: {} signed in", signed.user.id);
                OnlineSignIn::Signed {
                    user: signed.user,
                    key,
                }
            }
            None => OnlineSignIn::Refused(t(
                "The server gave no key for this device. Enroll it again.",
            )),
        },
        // The server's own words: wrong PIN, locked, not a handheld user.
        Err(ClientError::Api {
            status: 401 | 403 | 429,
            message,
            code,
        }) => {
            log::info!("online sign-in: refused ({code})");
            OnlineSignIn::Refused(if message.contains("not recognised") {
                t("Wrong PIN. Try again.")
            } else {
                message
            })
        }
        Err(e) => {
            log::info!("online sign-in failed, checking on the device: {e}");
            OnlineSignIn::Unreachable
        }
    }
}
