-- sparescan-server schema, version 4: each site's master data carries an
-- HMAC under the chain key (see store/chain_key.rs), so master data and
-- roles changed outside the API are found by `verify`.
ALTER TABLE sites ADD COLUMN master_mac TEXT;
