#!/usr/bin/env bash
# A five-minute tour of Jejak on a fresh ledger: create it, register a unit and its key,
# publish a signed event, read the log, check the receipt and the proofs.
# Usage: bash Tools/tour.sh [DIR]   (default: ./tour-ledger, replaced if it exists)
# JEJAK_BIN=path/to/jejak skips the release build and uses that binary.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${1:-$PWD/tour-ledger}"
if [ -n "${JEJAK_BIN:-}" ]; then
  jejak="$JEJAK_BIN"    # a jejak binary already built (the tests use their own)
else
  echo "== building jejak (release)"
  swift build -c release --product jejak >/dev/null
  jejak="$(swift build -c release --show-bin-path)/jejak"
fi
rm -rf "$dir"
mkdir -p "$dir"
export JEJAK_LEDGER="$dir/ledger"
# The registry authority's key stays outside the ledger directory (a real authority keeps it
# offline); `jejak init` generates it there and `jejak unit` commands read it from here.
mkdir -p "$dir/offline"
export JEJAK_AUTHORITY_KEY="$dir/offline/authority.key"

step() { printf '\n== %s\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "create a ledger (the registry authority's key is generated outside it)" \
  "$jejak" init "$JEJAK_LEDGER" --origin tour.jejak.kpu.go.id/ledger --authority-key "$JEJAK_AUTHORITY_KEY"
step "register two units (signed by the registry authority)" \
  "$jejak" unit register biro-perencanaan --name "Biro Perencanaan" --role biro
"$jejak" unit register biro-keuangan --name "Biro Keuangan" --role biro
printf '\n== give Biro Perencanaan a key: the private key goes to a 0600 file, the vkey is printed\n'
unit_vkey="$("$jejak" key generate biro-perencanaan --out "$dir/biro-perencanaan.key")"
echo "$unit_vkey"
step "register the key (a key-added event, signed by the authority)" \
  "$jejak" unit add-key biro-perencanaan --vkey "$unit_vkey"
step "publish a data request to Biro Keuangan; the receipt is a C2SP tlog-proof" \
  "$jejak" publish --key "$dir/biro-perencanaan.key" --type id.go.kpu.jejak.exchange.requested.v1 \
  --subject exchange/2026-000123 --id req-2026-000123 --expected-version none \
  --data '{"provider":"biro-keuangan","category":"anggaran","title":"Rekap anggaran 2026","purpose":"Penyusunan laporan kinerja","legalBasis":"UU 7/2017","dueDate":"2026-12-31","classification":"terbuka"}' \
  --receipt "$dir/req.tlog-proof" --event-out "$dir/req.dsse.json"
step "sending the same signed event again returns the same receipt (idempotent retry)" \
  "$jejak" publish --event "$dir/req.dsse.json"
step "the same id with other content is refused, and nothing is written" \
  "$jejak" publish --key "$dir/biro-perencanaan.key" --type id.go.kpu.jejak.exchange.requested.v1 \
  --subject exchange/2026-000123 --id req-2026-000123 \
  --data '{"provider":"biro-keuangan","category":"anggaran","title":"Lain","purpose":"x","legalBasis":"x","dueDate":"2026-12-31","classification":"terbuka"}' \
  || echo "(exit code $?)"
step "an event that breaks its schema is refused, naming the field and the keyword" \
  "$jejak" publish --key "$dir/biro-perencanaan.key" --type id.go.kpu.jejak.exchange.requested.v1 \
  --subject exchange/2026-000124 --data '{"provider":"biro-keuangan","dueDate":"2026-02-30"}' || echo "(exit code $?)"
step "the log" "$jejak" log
step "one stream, with versions" "$jejak" log --stream exchange/2026-000123
step "the latest checkpoint, signed by the log key" "$jejak" checkpoint
step "the inclusion proof of entry 4, and the consistency proof from size 2 to 5" "$jejak" prove inclusion 4
"$jejak" prove consistency 2 5
step "the units and their keys" "$jejak" unit list
step "anyone checks the receipt offline, with the event and the trust policy only" \
  "$jejak" verify-receipt "$dir/req.tlog-proof" --event "$dir/req.dsse.json" --policy "$JEJAK_LEDGER/policy"
step "the exchange's history: each event with its signer, ledger time and verified receipt" \
  "$jejak" history exchange/2026-000123
step "the Inspektorat becomes the witness: its key, and the policy now requires its cosignature" \
  "$jejak" witness init --state "$dir/inspektorat" --name inspektorat.tour/witness --ledger "$JEJAK_LEDGER"
step "it cosigns the latest checkpoint after checking it extends the last one it cosigned" \
  "$jejak" witness cosign --state "$dir/inspektorat" --out "$dir/witnessed.checkpoint"
step "the checkpoint now carries the cosignature line" "$jejak" checkpoint
step "the request's receipt again, against the witnessed checkpoint (the one kept from before no longer meets the policy)" \
  "$jejak" receipt 4 --out "$dir/req.tlog-proof"
"$jejak" verify-receipt "$dir/req.tlog-proof" --event "$dir/req.dsse.json" --policy "$JEJAK_LEDGER/policy"
step "read models (SQLite), then a question" "$jejak" project --db "$dir/read-models.sqlite"
"$jejak" query exchanges --db "$dir/read-models.sqlite" --as-of 2026-12-31
step "a full integrity audit against the witnessed checkpoint, the read models rebuilt and compared; an HTML report" \
  "$jejak" inspect --db "$dir/read-models.sqlite" --trusted "$dir/witnessed.checkpoint" --report "$dir/audit.html" \
  --save-checkpoint "$dir/audited.checkpoint"
step "an incremental audit: consistency with the audited checkpoint proved, only new entries replayed" \
  "$jejak" inspect --since "$dir/audited.checkpoint"
step "time travel: every read model as it stood after entry 3" \
  "$jejak" replay --until 3 --db "$dir/as-of-3.sqlite"
step "export the log as C2SP tlog-tiles, for any static web server" "$jejak" export --out "$dir/export"
step "an auditor verifies the export offline, pinning the policy and the authority's key" \
  "$jejak" verify "$dir/export" --policy "$JEJAK_LEDGER/policy" --authority "$JEJAK_LEDGER/authority.vkey"
if command -v python3 >/dev/null; then
  step "the same, with Python's standard library alone (no Jejak code)" \
    python3 Tools/verify-export.py "$dir/export" --policy "$JEJAK_LEDGER/policy" --authority "$JEJAK_LEDGER/authority.vkey"
fi
printf '\nThe ledger is in %s; the receipt in %s; the audit report in %s; the export in %s.\n' \
  "$JEJAK_LEDGER" "$dir/req.tlog-proof" "$dir/audit.html" "$dir/export"
