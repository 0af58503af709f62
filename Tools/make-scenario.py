#!/usr/bin/env python3
"""Writes seeds/scenario.json: one fiscal year (2026) of data exchanges between the KPU units.

Usage: Tools/make-scenario.py [--seed N] [--out PATH]

Reads seeds/units.json and Schemas/categories.json, generates the scenario deterministically
(a SHA-256 counter-mode generator, so the output does not depend on the Python version), checks
it against the exchange and audit rules, computes the expected counts from the generated events,
and writes the file. Running it twice gives the same bytes. Python 3 standard library only.

The scenario holds:
  - about 300 requested exchanges: delivered on time, delivered late (after the due date),
    rejected and delivered again, declined, withdrawn, and still open at the end of the year
    (never answered, some past due; a delivery awaiting acknowledgement; a rejection awaiting a
    new delivery);
  - distributions (a provider shares data with several recipients without a request);
  - one audit by the Inspektorat of Biro Logistik, with findings and follow-ups, two findings
    left without follow-up; the audit stays open.

Event times are in the publishing unit's local time (WIB +07:00, WITA +08:00 for Sulawesi
Selatan), on working days and in office hours. Keys are not part of the scenario: the runner
(Sources/JejakDomain/SeedScenario.swift) generates them when it runs.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "seeds")

FISCAL_YEAR = 2026
AS_OF = dt.date(2026, 12, 31)
LAST_EVENT_DAY = dt.date(2026, 12, 30)
DEFAULT_SEED = 20260101

WIB = dt.timezone(dt.timedelta(hours=7))
WITA = dt.timezone(dt.timedelta(hours=8))

# National holidays of 2026 used to skip working days (fixed dates and the Easter-based ones;
# Idul Fitri 1447 H as announced for 20–21 March 2026).
HOLIDAYS = {
    dt.date(2026, 1, 1), dt.date(2026, 3, 20), dt.date(2026, 3, 23), dt.date(2026, 4, 3),
    dt.date(2026, 5, 1), dt.date(2026, 5, 14), dt.date(2026, 6, 1), dt.date(2026, 8, 17),
    dt.date(2026, 12, 25),
}

MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]
ROMAN = ["I", "II", "III", "IV"]


# ---------------------------------------------------------------------------------------------
# Deterministic randomness

class Rng:
    """SHA-256 in counter mode: the same seed gives the same numbers on every Python."""

    def __init__(self, seed):
        self.seed = str(seed).encode()
        self.counter = 0

    def u64(self):
        self.counter += 1
        h = hashlib.sha256(self.seed + b"/" + str(self.counter).encode()).digest()
        return int.from_bytes(h[:8], "big")

    def below(self, n):
        if n <= 0:
            raise ValueError("below(0)")
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = self.u64()
            if x < limit:
                return x % n

    def randint(self, a, b):
        return a + self.below(b - a + 1)

    def random(self):
        return self.u64() / float(1 << 64)

    def chance(self, p):
        return self.random() < p

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def shuffle(self, seq):
        for i in range(len(seq) - 1, 0, -1):
            j = self.below(i + 1)
            seq[i], seq[j] = seq[j], seq[i]

    def sample(self, seq, k):
        pool = list(seq)
        self.shuffle(pool)
        return pool[:k]


# ---------------------------------------------------------------------------------------------
# Calendar

def is_workday(d):
    return d.weekday() < 5 and d not in HOLIDAYS


def workday_on_or_after(d):
    while not is_workday(d):
        d += dt.timedelta(days=1)
    return d


def add_workdays(d, n):
    d = workday_on_or_after(d)
    while n > 0:
        d += dt.timedelta(days=1)
        if is_workday(d):
            n -= 1
    return d


def workdays_between(a, b):
    """Working days in [a, b]."""
    out = []
    d = a
    while d <= b:
        if is_workday(d):
            out.append(d)
        d += dt.timedelta(days=1)
    return out


# ---------------------------------------------------------------------------------------------
# Units and categories (the seed data this script reads)

def load_json(name):
    with open(os.path.join(SEEDS, name), encoding="utf-8") as f:
        return json.load(f)


UNITS = {u["id"]: u for u in load_json("units.json")}
# The data categories are the domain's (shipped with the schemas), not seed data.
with open(os.path.join(os.path.dirname(SEEDS), "Schemas", "categories.json"), encoding="utf-8") as f:
    CATEGORIES = {c["id"]: c for c in json.load(f)}

BIRO = [u for u in UNITS if UNITS[u]["role"] == "biro"]
PROV = [u for u in UNITS if UNITS[u]["role"] == "kpu-provinsi"]
KABKOTA = [u for u in UNITS if UNITS[u]["role"] == "kpu-kabkota"]
PARENT = {
    "kpu-kabkota-kota-bandung": "kpu-provinsi-jawa-barat",
    "kpu-kabkota-kabupaten-bogor": "kpu-provinsi-jawa-barat",
    "kpu-kabkota-kota-surabaya": "kpu-provinsi-jawa-timur",
    "kpu-kabkota-kota-makassar": "kpu-provinsi-sulawesi-selatan",
}
WITA_UNITS = {"kpu-provinsi-sulawesi-selatan", "kpu-kabkota-kota-makassar"}
REGIONAL = PROV + KABKOTA


def tz_of(unit):
    return WITA if unit in WITA_UNITS else WIB


def name_of(unit):
    return UNITS[unit]["name"]


def region_of(unit):
    """The region's name as it appears in titles: "Jawa Barat", "Kota Bandung"."""
    name = name_of(unit)
    for prefix in ("KPU Provinsi ", "KPU "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def slug(text):
    out = []
    for ch in text.lower():
        if ch.isalnum() and ch.isascii():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def check_units():
    for u in set(PARENT) | set(PARENT.values()) | WITA_UNITS | {"inspektorat", "pusdatin", "biro-logistik"}:
        if u not in UNITS:
            sys.exit(f"make-scenario: seeds/units.json lacks the unit {u!r} this script refers to")


# ---------------------------------------------------------------------------------------------
# Exchange templates

MEDIA = {
    "pdf": ("application/pdf", 60_000, 6_000_000),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 18_000, 4_500_000),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", 25_000, 1_500_000),
    "csv": ("text/csv", 40_000, 48_000_000),
    "json": ("application/json", 2_000, 900_000),
    "zip": ("application/zip", 2_000_000, 180_000_000),
}


def period_month(d):
    """The month before the request: December 2025 for a January request."""
    y, m = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    return f"{MONTHS[m - 1]} {y}", f"{y}-{m:02d}"


def period_quarter(d):
    """The quarter before the request's quarter."""
    q = (d.month - 1) // 3
    y = d.year
    if q == 0:
        q, y = 4, y - 1
    return f"Triwulan {ROMAN[q - 1]} {y}", f"{y}-tw{q}"


def period_semester(d):
    if d.month >= 7:
        return f"Semester I {d.year}", f"{d.year}-s1"
    return f"Semester II {d.year - 1}", f"{d.year - 1}-s2"


def period_year(d):
    return f"Tahun {d.year - 1}", f"{d.year - 1}"


def period_election(d):
    return "Pemilu 2024", "pemilu-2024"


PERIODS = {"month": period_month, "quarter": period_quarter, "semester": period_semester, "year": period_year,
           "election": period_election}


def pairs_from(requesters, providers):
    return [(r, p) for r in requesters for p in providers if r != p]


def kabkota_to_province():
    return [(PARENT[k], k) for k in KABKOTA]


def province_to_kabkota():
    return [(k, PARENT[k]) for k in KABKOTA]


# Each template: category, candidate (requester, provider) pairs, titles ({periode}, {penyedia},
# {peminta}, {wilayah}), purposes, legal basis, classification, files (stem, extension), the
# period kind, due-date range in calendar days, and a weight.
TEMPLATES = [
    dict(category="anggaran", weight=14, period="month", due=(7, 14), classification="terbatas",
         pairs=pairs_from(BIRO + ["inspektorat", "pusdatin"], ["biro-keuangan"]),
         titles=["Laporan realisasi anggaran {periode} per program dan kegiatan",
                 "Rekapitulasi realisasi belanja {periode} satuan kerja pusat",
                 "Data sisa pagu dan rencana penarikan dana {periode}"],
         purposes=["Pemantauan capaian penyerapan anggaran unit kerja",
                   "Bahan rapat evaluasi pelaksanaan anggaran pimpinan",
                   "Penyusunan usulan revisi anggaran"],
         legal="UU 17/2003 tentang Keuangan Negara; UU 1/2004 tentang Perbendaharaan Negara",
         files=[("laporan-realisasi-anggaran", "xlsx"), ("rekap-realisasi-per-akun", "xlsx"),
                ("surat-pengantar", "pdf")]),
    dict(category="anggaran", weight=8, period="quarter", due=(10, 21), classification="terbatas",
         pairs=pairs_from(["biro-keuangan", "biro-perencanaan"], REGIONAL),
         titles=["Realisasi anggaran dana hibah dan APBN {periode} {wilayah}",
                 "Laporan penyerapan anggaran satker {wilayah} {periode}"],
         purposes=["Konsolidasi realisasi anggaran satuan kerja daerah",
                   "Pemantauan penyerapan anggaran satker daerah"],
         legal="UU 17/2003 tentang Keuangan Negara; PMK tentang Pelaksanaan Anggaran",
         files=[("realisasi-anggaran-satker", "xlsx"), ("berita-acara-rekonsiliasi", "pdf")]),
    dict(category="laporan-keuangan", weight=10, period="semester", due=(14, 30), classification="terbatas",
         pairs=pairs_from(["biro-keuangan"], REGIONAL) + pairs_from(["inspektorat"], ["biro-keuangan"]),
         titles=["Laporan keuangan {periode} {wilayah}",
                 "Laporan keuangan unaudited {periode} beserta catatan atas laporan keuangan"],
         purposes=["Penyusunan laporan keuangan konsolidasian KPU",
                   "Reviu laporan keuangan sebelum disampaikan kepada Menteri Keuangan"],
         legal="UU 1/2004 Pasal 55; PP 8/2006 tentang Pelaporan Keuangan dan Kinerja Instansi Pemerintah",
         files=[("laporan-keuangan", "pdf"), ("neraca-dan-lra", "xlsx"), ("catatan-atas-laporan-keuangan", "pdf")]),
    dict(category="aset", weight=8, period="semester", due=(14, 30), classification="terbatas",
         pairs=pairs_from(["biro-keuangan"], REGIONAL + ["biro-umum", "biro-logistik", "pusdatin"])
         + pairs_from(["inspektorat", "biro-logistik"], ["biro-keuangan"]),
         titles=["Laporan barang milik negara {periode} {wilayah}",
                 "Daftar barang milik negara dan hasil inventarisasi {periode}"],
         purposes=["Rekonsiliasi data BMN dengan laporan keuangan",
                   "Penyusunan laporan BMN tingkat kementerian/lembaga"],
         legal="PP 27/2014 tentang Pengelolaan Barang Milik Negara/Daerah",
         files=[("laporan-bmn", "pdf"), ("daftar-barang", "xlsx")]),
    dict(category="pengadaan", weight=6, period="quarter", due=(7, 21), classification="terbatas",
         pairs=pairs_from(["inspektorat", "biro-keuangan", "biro-perencanaan"], ["biro-umum", "biro-logistik", "pusdatin"]),
         titles=["Rekapitulasi paket pengadaan barang/jasa {periode}",
                 "Dokumen kontrak dan berita acara serah terima {periode}"],
         purposes=["Pemantauan pelaksanaan pengadaan barang/jasa",
                   "Reviu kewajaran harga dan kepatuhan prosedur pengadaan"],
         legal="Perpres 16/2018 tentang Pengadaan Barang/Jasa Pemerintah",
         files=[("rekap-paket-pengadaan", "xlsx"), ("dokumen-kontrak", "pdf"), ("bast", "pdf")]),
    dict(category="sdm", weight=9, period="month", due=(5, 14), classification="terbatas",
         pairs=pairs_from(BIRO + ["inspektorat", "pusdatin"] + PROV, ["biro-sdm"]),
         titles=["Data pegawai dan formasi jabatan {peminta} {periode}",
                 "Rekapitulasi kehadiran dan tunjangan kinerja {periode}",
                 "Data pejabat fungsional dan angka kredit {periode}"],
         purposes=["Perencanaan kebutuhan pegawai tahun 2027",
                   "Penghitungan tunjangan kinerja pegawai",
                   "Pemetaan kompetensi pegawai"],
         legal="UU 20/2023 tentang Aparatur Sipil Negara",
         files=[("data-pegawai", "xlsx"), ("rekap-kehadiran", "xlsx"), ("surat-pengantar", "pdf")]),
    dict(category="sdm", weight=3, period="month", due=(7, 14), classification="rahasia",
         pairs=pairs_from(["inspektorat"], ["biro-sdm"]),
         titles=["Data riwayat hukuman disiplin pegawai {periode}"],
         purposes=["Bahan pemeriksaan dugaan pelanggaran disiplin"],
         legal="PP 94/2021 tentang Disiplin Pegawai Negeri Sipil",
         files=[("riwayat-hukuman-disiplin", "xlsx")]),
    dict(category="regulasi", weight=10, period="month", due=(3, 10), classification="terbuka",
         pairs=pairs_from(BIRO + ["inspektorat", "pusdatin"] + REGIONAL, ["biro-hukum"]),
         titles=["Salinan Peraturan KPU dan Keputusan KPU yang ditetapkan {periode}",
                 "Pendapat hukum atas rancangan keputusan {peminta}",
                 "Daftar peraturan perundang-undangan yang berlaku bagi {peminta}"],
         purposes=["Penyesuaian prosedur kerja dengan regulasi terbaru",
                   "Dasar hukum penyusunan petunjuk teknis"],
         legal="UU 12/2011 tentang Pembentukan Peraturan Perundang-undangan",
         files=[("salinan-peraturan", "pdf"), ("pendapat-hukum", "pdf")]),
    dict(category="sengketa-hukum", weight=5, period="quarter", due=(7, 21), classification="terbatas",
         pairs=pairs_from(["biro-hukum"], PROV) + pairs_from(["inspektorat", "biro-teknis-penyelenggaraan-pemilu"], ["biro-hukum"]),
         titles=["Rekapitulasi perkara DKPP, PTUN dan gugatan perdata {periode} {wilayah}",
                 "Status perkara dan putusan yang berkekuatan hukum tetap {periode}"],
         purposes=["Pemetaan risiko hukum dan tindak lanjut putusan",
                   "Penyusunan laporan penanganan perkara"],
         legal="UU 7/2017 Pasal 14; Peraturan DKPP tentang Pedoman Beracara Kode Etik",
         files=[("rekap-perkara", "xlsx"), ("salinan-putusan", "pdf")]),
    dict(category="perencanaan-kinerja", weight=8, period="quarter", due=(10, 21), classification="terbuka",
         pairs=pairs_from(["biro-perencanaan"], BIRO + PROV + ["pusdatin", "inspektorat"])
         + pairs_from(["inspektorat"], ["biro-perencanaan"]),
         titles=["Capaian indikator kinerja {periode} {penyedia}",
                 "Laporan capaian perjanjian kinerja {periode} {wilayah}",
                 "Rencana kerja dan usulan kebutuhan anggaran 2027 {wilayah}"],
         purposes=["Penyusunan Laporan Kinerja KPU",
                   "Penyusunan Rencana Kerja dan pagu indikatif 2027",
                   "Evaluasi SAKIP internal"],
         legal="Perpres 29/2014 tentang Sistem Akuntabilitas Kinerja Instansi Pemerintah",
         files=[("capaian-kinerja", "xlsx"), ("laporan-kinerja", "pdf")]),
    dict(category="data-pemilih", weight=14, period="month", due=(7, 14), classification="terbatas",
         pairs=pairs_from(["biro-teknis-penyelenggaraan-pemilu", "pusdatin"], PROV) + kabkota_to_province(),
         titles=["Rekapitulasi pemutakhiran data pemilih berkelanjutan {periode} {wilayah}",
                 "Berita acara rekapitulasi data pemilih berkelanjutan {periode} {wilayah}"],
         purposes=["Konsolidasi data pemilih berkelanjutan nasional",
                   "Pemantauan pemutakhiran data pemilih berkelanjutan"],
         legal="UU 7/2017 Pasal 14 huruf l; PKPU tentang Pemutakhiran Data Pemilih Berkelanjutan",
         files=[("rekap-pdpb", "xlsx"), ("berita-acara-pdpb", "pdf")]),
    dict(category="data-pemilih", weight=4, period="month", due=(7, 14), classification="rahasia",
         pairs=pairs_from(["pusdatin"], PROV) + pairs_from(["biro-hukum", "biro-partisipasi-humas"], ["pusdatin"]),
         titles=["Data pemilih by name by address hasil pemutakhiran {periode} {wilayah}",
                 "Data pemilih ganda dan tidak memenuhi syarat {periode}"],
         purposes=["Pencocokan dan penelitian data pemilih ganda",
                   "Penanganan tanggapan masyarakat atas data pemilih"],
         legal="UU 7/2017 Pasal 14 huruf l; UU 27/2022 tentang Pelindungan Data Pribadi",
         files=[("data-pemilih", "csv"), ("rekap-ganda-tms", "xlsx")]),
    dict(category="dptb", weight=3, period="election", due=(10, 21), classification="terbatas",
         pairs=pairs_from(["biro-teknis-penyelenggaraan-pemilu", "pusdatin", "biro-hukum"], PROV),
         titles=["Arsip rekapitulasi DPTb Pemilu 2024 {wilayah}",
                 "Rekapitulasi DPTb per TPS Pemilu 2024 untuk evaluasi {wilayah}"],
         purposes=["Evaluasi pelayanan pemilih pindah memilih Pemilu 2024",
                   "Bahan kajian penyusunan regulasi Pemilu 2029"],
         legal="UU 7/2017 Pasal 210; UU 43/2009 tentang Kearsipan",
         files=[("rekap-dptb", "xlsx"), ("arsip-dptb", "zip")]),
    dict(category="logistik-pemilu", weight=10, period="quarter", due=(10, 21), classification="terbatas",
         pairs=pairs_from(["biro-logistik"], PROV) + kabkota_to_province()
         + pairs_from(BIRO + ["inspektorat"], ["biro-logistik"]),
         titles=["Inventarisasi kotak dan bilik suara pasca-Pemilu dan Pemilihan 2024 {wilayah}",
                 "Data gudang logistik dan kondisi perlengkapan pemungutan suara {periode} {wilayah}",
                 "Usulan penghapusan logistik rusak {wilayah}"],
         purposes=["Pemetaan ketersediaan logistik untuk Pemilu 2029",
                   "Penyusunan usulan penghapusan barang persediaan",
                   "Perencanaan kebutuhan gudang logistik"],
         legal="UU 7/2017 Pasal 341; PP 27/2014 tentang Pengelolaan Barang Milik Negara/Daerah",
         files=[("inventaris-logistik", "xlsx"), ("foto-kondisi-gudang", "zip"), ("berita-acara-inventarisasi", "pdf")]),
    dict(category="hasil-rekapitulasi", weight=6, period="election", due=(10, 30), classification="terbuka",
         pairs=pairs_from(["biro-partisipasi-humas", "biro-hukum", "pusdatin"], ["biro-teknis-penyelenggaraan-pemilu"])
         + pairs_from(["biro-teknis-penyelenggaraan-pemilu"], PROV),
         titles=["Salinan hasil rekapitulasi penghitungan suara Pemilihan 2024 {wilayah}",
                 "Data hasil rekapitulasi Pemilu 2024 format terbuka untuk portal data"],
         purposes=["Publikasi data terbuka hasil pemilu",
                   "Digitalisasi arsip hasil rekapitulasi",
                   "Bahan evaluasi penyelenggaraan Pemilu dan Pemilihan 2024"],
         legal="UU 7/2017 Pasal 14; UU 14/2008 tentang Keterbukaan Informasi Publik",
         files=[("hasil-rekapitulasi", "csv"), ("salinan-formulir-rekapitulasi", "zip")]),
    dict(category="partisipasi-masyarakat", weight=7, period="quarter", due=(10, 21), classification="terbuka",
         pairs=pairs_from(["biro-partisipasi-humas"], REGIONAL) + pairs_from(PROV, ["biro-partisipasi-humas"]),
         titles=["Laporan kegiatan sosialisasi dan pendidikan pemilih {periode} {wilayah}",
                 "Materi sosialisasi pemilih pemula {periode}"],
         purposes=["Evaluasi program pendidikan pemilih berkelanjutan",
                   "Penyusunan laporan partisipasi masyarakat"],
         legal="UU 7/2017 Pasal 448; PKPU tentang Partisipasi Masyarakat",
         files=[("laporan-sosialisasi", "pdf"), ("dokumentasi-kegiatan", "zip")]),
    dict(category="informasi-publik", weight=5, period="quarter", due=(5, 10), classification="terbuka",
         pairs=pairs_from(["biro-partisipasi-humas"], BIRO + ["pusdatin", "inspektorat"])
         + pairs_from(PROV, ["biro-partisipasi-humas"]),
         titles=["Daftar informasi publik {penyedia} {periode}",
                 "Tanggapan atas permohonan informasi publik {periode}"],
         purposes=["Pemutakhiran Daftar Informasi Publik KPU",
                   "Penyusunan laporan layanan PPID"],
         legal="UU 14/2008 tentang Keterbukaan Informasi Publik",
         files=[("daftar-informasi-publik", "xlsx"), ("tanggapan-ppid", "pdf")]),
    dict(category="infrastruktur-ti", weight=8, period="month", due=(5, 14), classification="terbatas",
         pairs=pairs_from(BIRO + PROV + ["inspektorat"], ["pusdatin"]),
         titles=["Laporan ketersediaan layanan aplikasi kepemiluan {periode}",
                 "Inventaris perangkat TI dan lisensi {peminta}",
                 "Log akses aplikasi {peminta} {periode}"],
         purposes=["Evaluasi tingkat layanan sistem informasi",
                   "Pemutakhiran inventaris perangkat TI",
                   "Penelusuran insiden keamanan informasi"],
         legal="Perpres 95/2018 tentang Sistem Pemerintahan Berbasis Elektronik",
         files=[("laporan-layanan", "pdf"), ("inventaris-ti", "xlsx"), ("log-akses", "json")]),
    dict(category="infrastruktur-ti", weight=2, period="quarter", due=(10, 21), classification="rahasia",
         pairs=pairs_from(["inspektorat"], ["pusdatin"]),
         titles=["Laporan hasil uji penetrasi aplikasi kepemiluan {periode}"],
         purposes=["Audit keamanan informasi"],
         legal="Perpres 95/2018 tentang SPBE; Peraturan BSSN tentang Manajemen Keamanan Informasi",
         files=[("laporan-uji-penetrasi", "pdf")]),
    dict(category="kearsipan", weight=4, period="year", due=(10, 21), classification="terbatas",
         pairs=pairs_from(["biro-umum"], BIRO + PROV + ["pusdatin"]),
         titles=["Daftar arsip vital dan arsip aktif {penyedia} {periode}",
                 "Usulan pemusnahan arsip {penyedia}"],
         purposes=["Penyusunan daftar arsip vital KPU", "Penilaian arsip yang akan dimusnahkan"],
         legal="UU 43/2009 tentang Kearsipan",
         files=[("daftar-arsip", "xlsx"), ("berita-acara-penilaian-arsip", "pdf")]),
    dict(category="pengawasan-internal", weight=5, period="quarter", due=(10, 21), classification="terbatas",
         pairs=pairs_from(BIRO, ["inspektorat"]) + pairs_from(["inspektorat"], BIRO + PROV),
         titles=["Laporan hasil reviu {periode} {wilayah}",
                 "Status tindak lanjut rekomendasi hasil pengawasan {periode} {wilayah}",
                 "Penilaian maturitas SPIP {wilayah}"],
         purposes=["Pemantauan tindak lanjut hasil pengawasan",
                   "Penilaian penerapan SPIP"],
         legal="PP 60/2008 tentang Sistem Pengendalian Intern Pemerintah",
         files=[("laporan-hasil-reviu", "pdf"), ("matriks-tindak-lanjut", "xlsx")]),
]

REJECT_REASONS = [
    "Berkas tidak sesuai format templat yang ditetapkan; mohon gunakan templat terbaru.",
    "Data belum lengkap: rekapitulasi untuk sebagian satuan kerja tidak disertakan.",
    "Periode data tidak sesuai dengan yang diminta.",
    "Berkas belum ditandatangani secara elektronik oleh pejabat yang berwenang.",
    "Terdapat selisih angka antara rekapitulasi dan rincian; mohon diperiksa kembali.",
    "Berkas lampiran tidak dapat dibuka (rusak).",
]

DECLINE_REASONS = {
    "rahasia": [
        ("Data memuat data pribadi dan hanya dapat diberikan untuk tujuan yang ditetapkan peraturan.",
         "UU 27/2022 tentang Pelindungan Data Pribadi Pasal 16 dan Pasal 20"),
        ("Informasi termasuk informasi yang dikecualikan.",
         "UU 14/2008 tentang Keterbukaan Informasi Publik Pasal 17"),
    ],
    "other": [
        ("Data yang diminta bukan kewenangan unit kami; mohon diajukan kepada unit yang membidangi.",
         "Peraturan KPU tentang Organisasi dan Tata Kerja Sekretariat Jenderal KPU"),
        ("Data sedang dalam pemeriksaan BPK dan belum dapat diberikan sebelum laporan hasil pemeriksaan terbit.",
         "UU 15/2004 tentang Pemeriksaan Pengelolaan dan Tanggung Jawab Keuangan Negara"),
        ("Data belum tersedia karena periode pelaporan belum berakhir.",
         "UU 1/2004 tentang Perbendaharaan Negara Pasal 55"),
    ],
}

WITHDRAW_REASONS = [
    "Kebutuhan data telah terpenuhi dari laporan yang sudah dipublikasikan.",
    "Kegiatan yang memerlukan data ditunda ke tahun anggaran berikutnya.",
    "Permintaan digabungkan dengan permintaan lain yang lebih lengkap.",
    "Terdapat kekeliruan penyebutan unit penyedia; permintaan akan diajukan ulang.",
]

ACK_NOTES = [
    "Diterima lengkap. Terima kasih.",
    "Data telah diterima dan sesuai permintaan.",
    "Diterima; akan digunakan sebagai bahan rapat pimpinan.",
]

DELIVERY_NOTES = [
    "Disampaikan sesuai permintaan.",
    "Mohon maaf atas keterlambatan penyampaian.",
    "Perbaikan sesuai catatan penolakan sebelumnya.",
]


# ---------------------------------------------------------------------------------------------
# Building events

class Stream:
    def __init__(self, kind, key):
        self.kind = kind          # "exchange" | "distribution" | "audit"
        self.key = key            # a sort key for numbering
        self.subject = None
        self.events = []          # [(datetime, source, type, step, data)]

    def add(self, when, source, type_, step, data):
        if self.events and when <= self.events[-1][0]:
            raise AssertionError(f"stream events out of order: {step} at {when} after {self.events[-1][0]}")
        self.events.append((when, source, type_, step, data))


def at(unit, day, rng, earliest=None):
    """A time on `day` in `unit`'s office hours (08:00–16:30 local), after `earliest` if given."""
    tz = tz_of(unit)
    start = dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=tz)
    end = dt.datetime(day.year, day.month, day.day, 16, 30, tzinfo=tz)
    if earliest is not None and earliest + dt.timedelta(minutes=20) > start:
        start = earliest + dt.timedelta(minutes=20)
    if start > end:
        return None
    minutes = int((end - start).total_seconds() // 60)
    t = start + dt.timedelta(minutes=rng.randint(0, minutes))
    return t.replace(second=0, microsecond=0)


def next_time(unit, prev, rng, lo, hi, limit=None):
    """A time `lo`..`hi` working days after `prev` (a datetime), in `unit`'s office hours."""
    for _ in range(50):
        n = rng.randint(lo, hi)
        day = add_workdays(prev.astimezone(tz_of(unit)).date(), n)
        if limit is not None and day > limit:
            day = limit
            while not is_workday(day):
                day -= dt.timedelta(days=1)
        t = at(unit, day, rng, earliest=prev)
        if t is not None and t > prev:
            return t
        lo, hi = lo + 1, hi + 1
    raise AssertionError("no time found")


def local_date(t):
    return t.date()  # t carries the publishing unit's offset


def digest(*parts):
    return hashlib.sha256("/".join(parts).encode("utf-8")).hexdigest()


def make_items(rng, files, title, period_slug, stream_tag, attempt):
    count = rng.randint(1, len(files))
    chosen = files[:count]
    items = []
    for stem, ext in chosen:
        media, lo, hi = MEDIA[ext]
        rev = f"-rev{attempt - 1}" if attempt > 1 else ""
        name = f"{stem}-{period_slug}{rev}.{ext}"
        size = rng.randint(lo, hi)
        items.append({"name": name, "mediaType": media, "size": size,
                      "sha256": digest("jejak-seed", stream_tag, str(attempt), name)})
    if rng.chance(0.08):
        text = (f"Ringkasan penyampaian: {len(items)} berkas untuk \"{title}\", "
                f"periode {period_slug}. Seluruh berkas telah diverifikasi oleh pengelola data.")
        data = text.encode("utf-8")
        items.append({"name": "ringkasan.txt", "mediaType": "text/plain", "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest(), "content": text})
    return items


class Exchange:
    def __init__(self, rng, template, requester, provider, request_day):
        self.rng = rng
        self.t = template
        self.requester = requester
        self.provider = provider
        period_text, self.period_slug = PERIODS[template["period"]](request_day)
        wilayah = region_of(provider) if provider in REGIONAL else ""
        title = rng.choice(template["titles"]).format(
            periode=period_text, penyedia=name_of(provider), peminta=name_of(requester), wilayah=wilayah)
        self.title = " ".join(title.split())
        self.stream = Stream("exchange", None)
        self.attempt = 0
        self.tag = None
        self.request_day = request_day

    def request(self, due):
        self.due = due
        t = at(self.requester, self.request_day, self.rng)
        self.stream.key = (t, self.requester, self.title)
        self.tag = digest(self.requester, self.provider, self.title, t.isoformat())[:16]
        data = {"provider": self.provider, "category": self.t["category"], "title": self.title,
                "purpose": self.rng.choice(self.t["purposes"]), "legalBasis": self.t["legal"],
                "dueDate": due.isoformat(), "classification": self.t["classification"]}
        self.stream.add(t, self.requester, "exchange.requested.v1", "requested", data)
        return t

    def last(self):
        return self.stream.events[-1][0]

    def deliver_on(self, day, note=None):
        self.attempt += 1
        t = at(self.provider, day, self.rng, earliest=self.last())
        if t is None:
            raise AssertionError("no delivery time")
        data = {"items": make_items(self.rng, self.t["files"], self.title, self.period_slug, self.tag, self.attempt)}
        if note:
            data["note"] = note
        self.stream.add(t, self.provider, "exchange.delivered.v1", f"delivered-{self.attempt}", data)
        return t

    def acknowledge(self, lo=0, hi=4):
        t = next_time(self.requester, self.last(), self.rng, lo, hi, limit=LAST_EVENT_DAY)
        data = {"note": self.rng.choice(ACK_NOTES)} if self.rng.chance(0.4) else {}
        self.stream.add(t, self.requester, "exchange.acknowledged.v1", "acknowledged", data)
        return t

    def reject(self, lo=1, hi=3):
        t = next_time(self.requester, self.last(), self.rng, lo, hi, limit=LAST_EVENT_DAY)
        n = sum(1 for e in self.stream.events if e[2] == "exchange.rejected.v1") + 1
        self.stream.add(t, self.requester, "exchange.rejected.v1", f"rejected-{n}",
                        {"reason": self.rng.choice(REJECT_REASONS)})
        return t

    def decline(self, lo=1, hi=5):
        t = next_time(self.provider, self.last(), self.rng, lo, hi)
        key = "rahasia" if self.t["classification"] == "rahasia" else "other"
        reason, legal = self.rng.choice(DECLINE_REASONS[key])
        self.stream.add(t, self.provider, "exchange.declined.v1", "declined", {"reason": reason, "legalBasis": legal})
        return t

    def withdraw(self, lo=2, hi=12):
        t = next_time(self.requester, self.last(), self.rng, lo, hi, limit=LAST_EVENT_DAY)
        self.stream.add(t, self.requester, "exchange.withdrawn.v1", "withdrawn",
                        {"reason": self.rng.choice(WITHDRAW_REASONS)})
        return t


def due_after(day, rng, lo, hi):
    return workday_on_or_after(day + dt.timedelta(days=rng.randint(lo, hi)))


def on_time_day(ex, lo_days=1):
    """A working day after the request, on or before the due date."""
    req = ex.last().astimezone(tz_of(ex.provider)).date()
    days = [d for d in workdays_between(req + dt.timedelta(days=lo_days), ex.due)]
    return ex.rng.choice(days) if days else None


def late_day(ex, lo=1, hi=20):
    return add_workdays(ex.due, ex.rng.randint(lo, hi))


# Outcome quotas for the requested exchanges (the audit's own exchanges come on top).
QUOTAS = [
    ("on-time", 186),
    ("late", 30),
    ("reject-redeliver", 18),
    ("reject-redeliver-late", 5),
    ("reject-twice", 3),
    ("reject-withdraw", 2),
    ("declined", 15),
    ("withdrawn", 12),
    ("open-unanswered-overdue", 11),
    ("open-unanswered-not-due", 6),
    ("open-pending-ack", 5),
    ("open-awaiting-redelivery", 3),
]


def pick_template(rng):
    total = sum(t["weight"] for t in TEMPLATES)
    x = rng.below(total)
    for t in TEMPLATES:
        if x < t["weight"]:
            return t
        x -= t["weight"]
    return TEMPLATES[-1]


def pick_template_where(rng, predicate):
    for _ in range(1000):
        t = pick_template(rng)
        if predicate(t):
            return t
    raise AssertionError("no template fits")


def new_exchange(rng, day, predicate=lambda t: True):
    t = pick_template_where(rng, predicate)
    requester, provider = rng.choice(t["pairs"])
    return Exchange(rng, t, requester, provider, workday_on_or_after(day))


def random_day(rng, first, last):
    days = workdays_between(first, last)
    return rng.choice(days)


def build_exchange(rng, kind, index_in_kind):
    Y = FISCAL_YEAR
    early = (dt.date(Y, 1, 5), dt.date(Y, 10, 23))
    if kind == "on-time":
        while True:
            ex = new_exchange(rng, random_day(rng, *early))
            ex.request(due_after(ex.request_day, rng, *ex.t["due"]))
            d = on_time_day(ex)
            if d is None:
                continue
            ex.deliver_on(d)
            ex.acknowledge()
            return ex
    if kind == "late":
        ex = new_exchange(rng, random_day(rng, *early))
        ex.request(due_after(ex.request_day, rng, *ex.t["due"]))
        ex.deliver_on(late_day(ex), note=DELIVERY_NOTES[1] if rng.chance(0.5) else None)
        ex.acknowledge()
        return ex
    if kind in ("reject-redeliver", "reject-redeliver-late", "reject-twice", "reject-withdraw"):
        while True:
            ex = new_exchange(rng, random_day(rng, dt.date(Y, 1, 12), dt.date(Y, 9, 30)))
            ex.request(due_after(ex.request_day, rng, 14, 30))
            d = on_time_day(ex)
            if d is None:
                continue
            ex.deliver_on(d)
            ex.reject()
            rounds = 2 if kind == "reject-twice" else 1
            if kind == "reject-withdraw":
                ex.withdraw(2, 8)
                return ex
            for r in range(rounds):
                prev = ex.last().astimezone(tz_of(ex.provider)).date()
                if kind == "reject-redeliver-late" or r == 1:
                    day = max(add_workdays(prev, rng.randint(2, 6)), add_workdays(ex.due, rng.randint(1, 6)))
                else:
                    days = workdays_between(add_workdays(prev, 1), ex.due)
                    if not days:
                        break
                    day = rng.choice(days)
                ex.deliver_on(day, note=DELIVERY_NOTES[2])
                if r + 1 < rounds:
                    ex.reject()
            else:
                ex.acknowledge()
                return ex
            # no on-time day left for the redelivery: draw again
    if kind == "declined":
        ex = new_exchange(rng, random_day(rng, *early),
                          (lambda t: t["classification"] == "rahasia") if index_in_kind < 6 else (lambda t: True))
        ex.request(due_after(ex.request_day, rng, *ex.t["due"]))
        ex.decline()
        return ex
    if kind == "withdrawn":
        ex = new_exchange(rng, random_day(rng, *early))
        ex.request(due_after(ex.request_day, rng, *ex.t["due"]))
        ex.withdraw()
        return ex
    if kind == "open-unanswered-overdue":
        while True:
            ex = new_exchange(rng, random_day(rng, dt.date(Y, 6, 1), dt.date(Y, 11, 27)))
            due = due_after(ex.request_day, rng, *ex.t["due"])
            if due < AS_OF:
                ex.request(due)
                return ex
    if kind == "open-unanswered-not-due":
        ex = new_exchange(rng, random_day(rng, dt.date(Y, 12, 8), dt.date(Y, 12, 29)))
        # One request is due exactly on the as-of date: not overdue (dueDate < asOf is strict).
        due = AS_OF if index_in_kind == 0 else due_after(max(ex.request_day, dt.date(Y, 12, 28)), rng, 7, 21)
        ex.request(due)
        return ex
    if kind == "open-pending-ack":
        ex = new_exchange(rng, random_day(rng, dt.date(Y, 12, 1), dt.date(Y, 12, 16)))
        ex.request(due_after(dt.date(Y + 1, 1, 2), rng, 0, 14))
        ex.deliver_on(random_day(rng, dt.date(Y, 12, 21), LAST_EVENT_DAY))
        return ex
    if kind == "open-awaiting-redelivery":
        ex = new_exchange(rng, random_day(rng, dt.date(Y, 11, 2), dt.date(Y, 11, 20)))
        # The first of them is past due at the end of the year (overdue), the others are not.
        due = due_after(ex.request_day, rng, 20, 28) if index_in_kind == 0 else due_after(dt.date(Y + 1, 1, 4), rng, 0, 10)
        ex.request(due)
        ex.deliver_on(random_day(rng, add_workdays(ex.request_day, 3), add_workdays(ex.request_day, 8)))
        ex.reject(1, 3)
        return ex
    raise AssertionError(kind)


# ---------------------------------------------------------------------------------------------
# Distributions

DISTRIBUTIONS = [
    # (provider, recipients, category, title, classification, files, (month, day range), note)
    ("biro-keuangan", BIRO + ["inspektorat", "pusdatin"], "anggaran",
     "Pagu anggaran definitif dan DIPA Tahun Anggaran 2026 per satuan kerja", "terbatas",
     [("dipa-2026", "pdf"), ("rincian-pagu-per-satker", "xlsx")], (1, (5, 9)), "Untuk dipedomani dalam pelaksanaan anggaran."),
    ("inspektorat", BIRO + ["pusdatin"], "pengawasan-internal",
     "Program Kerja Pengawasan Tahunan (PKPT) Inspektorat Utama 2026", "terbatas",
     [("pkpt-2026", "pdf")], (1, (12, 16)), None),
    ("biro-perencanaan", BIRO + ["inspektorat", "pusdatin"] + PROV, "perencanaan-kinerja",
     "Perjanjian kinerja dan indikator kinerja utama KPU 2026", "terbuka",
     [("perjanjian-kinerja-2026", "pdf"), ("iku-2026", "xlsx")], (2, (2, 6)), None),
    ("biro-sdm", BIRO + ["inspektorat", "pusdatin"] + PROV, "sdm",
     "Jadwal dan ketentuan penilaian kinerja pegawai 2026", "terbuka",
     [("surat-edaran-penilaian-kinerja", "pdf")], (2, (9, 13)), None),
    ("biro-umum", BIRO + ["inspektorat", "pusdatin"], "kearsipan",
     "Jadwal retensi arsip dan pedoman pemindahan arsip inaktif 2026", "terbuka",
     [("jadwal-retensi-arsip", "pdf")], (3, (2, 6)), None),
    ("biro-partisipasi-humas", PROV + KABKOTA, "partisipasi-masyarakat",
     "Panduan program pendidikan pemilih berkelanjutan 2026", "terbuka",
     [("panduan-pendidikan-pemilih", "pdf"), ("materi-sosialisasi", "zip")], (3, (9, 13)), None),
    ("biro-logistik", PROV, "logistik-pemilu",
     "Petunjuk teknis inventarisasi dan penghapusan logistik pasca-Pemilu 2024", "terbuka",
     [("juknis-inventarisasi-logistik", "pdf"), ("templat-inventarisasi", "xlsx")], (4, (6, 10)), None),
    ("pusdatin", BIRO + ["inspektorat"], "infrastruktur-ti",
     "Kebijakan keamanan informasi dan tata kelola akun aplikasi KPU", "terbatas",
     [("kebijakan-keamanan-informasi", "pdf")], (4, (20, 24)), None),
    ("biro-keuangan", BIRO + ["inspektorat", "pusdatin"] + PROV, "laporan-keuangan",
     "Laporan keuangan KPU Tahun 2025 (audited)", "terbuka",
     [("lk-kpu-2025-audited", "pdf")], (6, (8, 12)), "Opini BPK telah terbit; mohon tindak lanjuti catatan pemeriksaan."),
    ("biro-perencanaan", BIRO + ["inspektorat", "pusdatin"], "anggaran",
     "Pagu indikatif KPU Tahun Anggaran 2027", "terbatas",
     [("pagu-indikatif-2027", "pdf"), ("rincian-pagu-indikatif", "xlsx")], (7, (13, 17)), None),
    ("biro-keuangan", BIRO + ["inspektorat", "pusdatin"] + PROV, "anggaran",
     "Langkah-langkah menghadapi akhir Tahun Anggaran 2026", "terbuka",
     [("surat-edaran-akhir-tahun-anggaran", "pdf")], (11, (16, 20)), None),
    ("inspektorat", BIRO + ["pusdatin"], "pengawasan-internal",
     "Laporan hasil penilaian maturitas SPIP KPU 2026", "terbatas",
     [("laporan-maturitas-spip", "pdf")], (12, (7, 11)), None),
]
# Quarterly voter-data summaries from Pusdatin, monthly legal digests from Biro Hukum, and the
# provinces' forwarding of guidance to their regencies and cities.
for q, month in ((1, 4), (2, 7), (3, 10)):
    DISTRIBUTIONS.append(
        ("pusdatin", ["biro-teknis-penyelenggaraan-pemilu", "biro-partisipasi-humas", "biro-perencanaan"] + PROV,
         "data-pemilih", f"Rekapitulasi nasional data pemilih berkelanjutan Triwulan {ROMAN[q - 1]} 2026", "terbatas",
         [(f"rekap-nasional-pdpb-tw{q}", "xlsx"), (f"rekap-nasional-pdpb-tw{q}", "pdf")], (month, (13, 17)), None))
for month in (2, 4, 6, 8, 10, 12):
    DISTRIBUTIONS.append(
        ("biro-hukum", BIRO + ["inspektorat", "pusdatin"] + PROV + KABKOTA, "regulasi",
         f"Himpunan Peraturan dan Keputusan KPU yang ditetapkan s.d. {MONTHS[month - 2]} 2026", "terbuka",
         [(f"himpunan-regulasi-2026-{month - 1:02d}", "pdf")], (month, (2, 6)), None))
for prov, month in (("kpu-provinsi-jawa-barat", 4), ("kpu-provinsi-jawa-timur", 5), ("kpu-provinsi-sulawesi-selatan", 5)):
    kids = [k for k in KABKOTA if PARENT[k] == prov]
    DISTRIBUTIONS.append(
        (prov, kids, "logistik-pemilu",
         f"Petunjuk pelaksanaan inventarisasi logistik di {region_of(prov)}", "terbuka",
         [("juklak-inventarisasi-logistik", "pdf")], (month, (18, 22)), "Meneruskan petunjuk teknis Biro Logistik."))


def build_distribution(rng, spec):
    provider, recipients, category, title, classification, files, (month, (d0, d1)), note = spec
    recipients = [r for r in dict.fromkeys(recipients) if r != provider]
    day = random_day(rng, dt.date(FISCAL_YEAR, month, d0), dt.date(FISCAL_YEAR, month, d1))
    t = at(provider, day, rng)
    s = Stream("distribution", (t, provider, title))
    tag = digest(provider, title)[:16]
    items = []
    for stem, ext in files:
        media, lo, hi = MEDIA[ext]
        name = f"{stem}.{ext}"
        items.append({"name": name, "mediaType": media, "size": rng.randint(lo, min(hi, 12_000_000)),
                      "sha256": digest("jejak-seed", tag, name)})
    data = {"recipients": recipients, "category": category, "title": title,
            "classification": classification, "items": items}
    if note:
        data["note"] = note
    s.add(t, provider, "exchange.distributed.v1", "distributed", data)
    return s


# ---------------------------------------------------------------------------------------------
# The audit of Biro Logistik (hand-written; its supporting data requests are ordinary exchanges)

def wib(y, m, d, hh, mm):
    return dt.datetime(y, m, d, hh, mm, tzinfo=WIB)


AUDITED = "biro-logistik"
AUDIT_FINDINGS = [
    ("F-01", "tinggi",
     "Barang persediaan wajib dicatat dalam kartu persediaan dan sesuai dengan hasil opname fisik "
     "(PP 27/2014 tentang Pengelolaan BMN/D; PMK tentang Penatausahaan BMN).",
     "Terdapat selisih 1.240 unit kotak suara dan 860 unit bilik suara antara kartu persediaan dan "
     "berita acara stock opname gudang logistik per 31 Desember 2025.",
     "Melakukan rekonsiliasi persediaan logistik dengan Biro Keuangan dan BMN serta menyesuaikan "
     "pencatatan paling lambat 60 hari sejak laporan diterima."),
    ("F-02", "sedang",
     "Barang persediaan yang rusak berat diusulkan penghapusannya sesuai ketentuan pengelolaan BMN.",
     "Sebanyak 3.415 unit bilik suara dan 2.020 unit kotak suara dalam kondisi rusak berat belum "
     "diusulkan penghapusannya sejak Pemilihan Serentak 2024.",
     "Menyusun dan menyampaikan usulan penghapusan logistik rusak berat kepada pengelola BMN."),
    ("F-03", "sedang",
     "Perpanjangan sewa gudang dituangkan dalam adendum kontrak sebelum masa sewa berakhir "
     "(Perpres 16/2018 tentang Pengadaan Barang/Jasa Pemerintah).",
     "Sewa dua gudang logistik berlanjut selama empat bulan pada 2025 tanpa adendum kontrak.",
     "Menertibkan administrasi kontrak sewa gudang dan menetapkan prosedur pemantauan masa kontrak."),
    ("F-04", "rendah",
     "Unit kerja menetapkan SOP yang mutakhir untuk setiap proses bisnis utama (PP 60/2008 tentang SPIP).",
     "SOP penyimpanan dan distribusi logistik belum diperbarui sejak 2019.",
     "Memperbarui dan menetapkan SOP penyimpanan dan distribusi logistik."),
]
# (finding, time, action, evidence file names); F-02 and F-03 get none: they stay open.
AUDIT_FOLLOW_UPS = [
    ("F-04", wib(2026, 5, 27, 10, 5),
     "SOP penyimpanan dan distribusi logistik telah diperbarui dan ditetapkan dengan Keputusan Sekretaris Jenderal.",
     ["sop-penyimpanan-distribusi-logistik-2026.pdf", "keputusan-sekjen-penetapan-sop.pdf"]),
    ("F-01", wib(2026, 6, 10, 14, 20),
     "Rekonsiliasi tahap I dengan Biro Keuangan dan BMN telah dilaksanakan untuk gudang wilayah Jawa.",
     ["berita-acara-rekonsiliasi-tahap-1.pdf"]),
    ("F-01", wib(2026, 8, 5, 9, 40),
     "Rekonsiliasi seluruh gudang selesai; kartu persediaan telah disesuaikan dengan hasil opname fisik.",
     ["berita-acara-rekonsiliasi-tahap-2.pdf", "kartu-persediaan-setelah-penyesuaian.xlsx"]),
]


def build_audit():
    s = Stream("audit", (wib(2026, 3, 2, 9, 0), "inspektorat", "audit"))
    s.subject = "audit/2026-001"
    s.add(wib(2026, 3, 2, 9, 0), "inspektorat", "audit.opened.v1", "opened", {
        "auditedUnit": AUDITED,
        "scope": "Audit kinerja atas pengelolaan, penyimpanan dan penghapusan logistik Pemilu dan "
                 "Pemilihan Serentak 2024 pada Biro Logistik",
        "periodStart": "2025-01-01", "periodEnd": "2025-12-31"})
    times = [wib(2026, 4, 14, 10, 30), wib(2026, 4, 14, 15, 10), wib(2026, 4, 15, 11, 0), wib(2026, 4, 16, 9, 45)]
    for (fid, severity, criteria, condition, recommendation), t in zip(AUDIT_FINDINGS, times):
        s.add(t, "inspektorat", "audit.finding-recorded.v1", f"finding/{fid}", {
            "finding": fid, "criteria": criteria, "condition": condition,
            "recommendation": recommendation, "severity": severity})
    counts = {}
    for fid, t, action, files in AUDIT_FOLLOW_UPS:
        counts[fid] = counts.get(fid, 0) + 1
        evidence = [{"name": f, "sha256": digest("jejak-seed", "audit/2026-001", fid, f)} for f in files]
        s.add(t, AUDITED, "audit.follow-up-recorded.v1", f"follow-up/{fid}/{counts[fid]}",
              {"finding": fid, "action": action, "evidence": evidence})
    return s


AUDIT_REQUESTS = [
    # (title, category, requested, due, outcome, (delivery dates), note)
    ("Kartu persediaan dan daftar barang gudang logistik TA 2025", "logistik-pemilu",
     dt.date(2026, 3, 3), dt.date(2026, 3, 13), "on-time", [dt.date(2026, 3, 12)]),
    ("Berita acara stock opname gudang logistik per 31 Desember 2025", "logistik-pemilu",
     dt.date(2026, 3, 3), dt.date(2026, 3, 13), "late", [dt.date(2026, 3, 18)]),
    ("Dokumen usulan penghapusan logistik rusak berat pasca-Pemilihan 2024", "logistik-pemilu",
     dt.date(2026, 3, 9), dt.date(2026, 3, 24), "reject-redeliver", [dt.date(2026, 3, 16), dt.date(2026, 3, 24)]),
    ("Kontrak dan adendum sewa gudang logistik TA 2025", "pengadaan",
     dt.date(2026, 3, 10), dt.date(2026, 3, 20), "on-time", [dt.date(2026, 3, 19)]),
]


def build_audit_requests(rng):
    out = []
    template = dict(TEMPLATES[0])
    for title, category, req, due, outcome, deliveries in AUDIT_REQUESTS:
        t = dict(template, category=category, classification="terbatas",
                 purposes=["Pengumpulan bukti audit kinerja atas pengelolaan logistik (audit/2026-001)"],
                 legal="PP 60/2008 tentang SPIP Pasal 48; Peraturan KPU tentang Pengawasan Intern",
                 files=[(slug(title)[:48], "pdf"), (slug(title)[:40] + "-lampiran", "xlsx")],
                 titles=[title], period="year")
        ex = Exchange(rng, t, "inspektorat", AUDITED, req)
        ex.request(due)
        ex.deliver_on(deliveries[0], note="Mohon maaf atas keterlambatan penyampaian." if outcome == "late" else None)
        if outcome == "reject-redeliver":
            ex.reject(1, 1)
            ex.deliver_on(deliveries[1], note=DELIVERY_NOTES[2])
        ex.acknowledge(1, 2)
        out.append(ex.stream)
    return out


# ---------------------------------------------------------------------------------------------
# Checking the rules and counting (the same definitions the Swift tests use independently)

def check_rules(events):
    """Replays the events against the exchange and audit rules; raises on the first violation."""
    streams = {}
    for e in events:
        subj, typ, src, data = e["subject"], e["type"], e["source"], e["data"]
        s = streams.get(subj)
        if typ == "exchange.requested.v1":
            assert s is None and data["provider"] != src and data["provider"] in UNITS, e["id"]
            streams[subj] = {"kind": "exchange", "requester": src, "provider": data["provider"], "state": "requested"}
        elif typ == "exchange.distributed.v1":
            assert s is None and src not in data["recipients"] and len(set(data["recipients"])) == len(data["recipients"]), e["id"]
            streams[subj] = {"kind": "distribution", "state": "closed"}
        elif typ.startswith("exchange."):
            assert s is not None and s["kind"] == "exchange" and s["state"] not in ("closed",), e["id"]
            if typ == "exchange.delivered.v1":
                assert src == s["provider"] and s["state"] in ("requested", "rejected"), e["id"]
                s["state"] = "delivered"
            elif typ == "exchange.declined.v1":
                assert src == s["provider"] and s["state"] in ("requested", "rejected"), e["id"]
                s["state"] = "closed"
            elif typ in ("exchange.acknowledged.v1", "exchange.rejected.v1"):
                assert src == s["requester"] and s["state"] == "delivered", e["id"]
                s["state"] = "closed" if typ == "exchange.acknowledged.v1" else "rejected"
            elif typ == "exchange.withdrawn.v1":
                assert src == s["requester"], e["id"]
                s["state"] = "closed"
            else:
                raise AssertionError(typ)
        elif typ == "audit.opened.v1":
            assert s is None and UNITS[src]["role"] == "inspektorat" and data["auditedUnit"] in UNITS, e["id"]
            streams[subj] = {"kind": "audit", "audited": data["auditedUnit"], "findings": set(), "open": True}
        elif typ.startswith("audit."):
            assert s is not None and s["kind"] == "audit" and s["open"], e["id"]
            if typ == "audit.finding-recorded.v1":
                assert UNITS[src]["role"] == "inspektorat" and data["finding"] not in s["findings"], e["id"]
                s["findings"].add(data["finding"])
            elif typ == "audit.follow-up-recorded.v1":
                assert src == s["audited"] and data["finding"] in s["findings"], e["id"]
            elif typ == "audit.closed.v1":
                assert UNITS[src]["role"] == "inspektorat", e["id"]
                s["open"] = False
            else:
                raise AssertionError(typ)
        else:
            raise AssertionError(typ)


def count(events, as_of):
    """The expected counts; see DEFINITIONS."""
    by_stream = {}
    for e in events:
        by_stream.setdefault(e["subject"], []).append(e)
    c = dict(exchanges=0, distributions=0, events=len(events), acknowledged=0, late=0,
             rejectedThenRedelivered=0, declined=0, withdrawn=0, open=0, overdueAtEnd=0,
             findings=0, openFindings=0, rejected=0, rejections=0, deliveries=0,
             unanswered=0, pendingAcknowledgement=0, awaitingRedelivery=0, audits=0, followUps=0)
    for subj, evs in by_stream.items():
        first = evs[0]["type"]
        types = [e["type"] for e in evs]
        if first == "exchange.distributed.v1":
            c["distributions"] += 1
        elif first == "exchange.requested.v1":
            c["exchanges"] += 1
            due = dt.date.fromisoformat(evs[0]["data"]["dueDate"])
            last = types[-1]
            c["deliveries"] += types.count("exchange.delivered.v1")
            n_rej = types.count("exchange.rejected.v1")
            c["rejections"] += n_rej
            if n_rej:
                c["rejected"] += 1
            if any(a == "exchange.rejected.v1" and "exchange.delivered.v1" in types[i + 1:] for i, a in enumerate(types)):
                c["rejectedThenRedelivered"] += 1
            if last == "exchange.acknowledged.v1":
                c["acknowledged"] += 1
                accepted = [e for e in evs if e["type"] == "exchange.delivered.v1"][-1]
                if dt.datetime.fromisoformat(accepted["time"]).date() > due:
                    c["late"] += 1
            elif last == "exchange.declined.v1":
                c["declined"] += 1
            elif last == "exchange.withdrawn.v1":
                c["withdrawn"] += 1
            else:
                c["open"] += 1
                if last == "exchange.requested.v1":
                    c["unanswered"] += 1
                elif last == "exchange.delivered.v1":
                    c["pendingAcknowledgement"] += 1
                elif last == "exchange.rejected.v1":
                    c["awaitingRedelivery"] += 1
                if due < as_of:
                    c["overdueAtEnd"] += 1
        elif first == "audit.opened.v1":
            c["audits"] += 1
            findings = [e["data"]["finding"] for e in evs if e["type"] == "audit.finding-recorded.v1"]
            followed = {e["data"]["finding"] for e in evs if e["type"] == "audit.follow-up-recorded.v1"}
            c["findings"] += len(findings)
            c["openFindings"] += len([f for f in findings if f not in followed])
            c["followUps"] += types.count("audit.follow-up-recorded.v1")
    return c


DEFINITIONS = {
    "exchanges": "streams opened by exchange.requested.v1",
    "distributions": "streams holding one exchange.distributed.v1",
    "events": "all events of the scenario (registry events not included)",
    "acknowledged": "requested exchanges whose last event is exchange.acknowledged.v1",
    "late": "acknowledged exchanges whose accepted delivery (the last exchange.delivered.v1) is dated, in its own time offset, after dueDate",
    "rejectedThenRedelivered": "requested exchanges with an exchange.rejected.v1 followed later by an exchange.delivered.v1",
    "declined": "requested exchanges ended by exchange.declined.v1",
    "withdrawn": "requested exchanges ended by exchange.withdrawn.v1 (before a delivery or after a rejection)",
    "open": "requested exchanges not acknowledged, declined or withdrawn at the end = unanswered + pendingAcknowledgement + awaitingRedelivery",
    "overdueAtEnd": "open exchanges whose dueDate < asOf (strictly); every one of them waits for the provider: no open exchange with a delivery pending acknowledgement is past due",
    "findings": "audit.finding-recorded.v1 events",
    "openFindings": "findings without any audit.follow-up-recorded.v1",
    "rejected": "requested exchanges with at least one exchange.rejected.v1",
    "rejections": "exchange.rejected.v1 events",
    "deliveries": "exchange.delivered.v1 events",
    "unanswered": "open exchanges with only their exchange.requested.v1",
    "pendingAcknowledgement": "open exchanges whose last event is exchange.delivered.v1",
    "awaitingRedelivery": "open exchanges whose last event is exchange.rejected.v1",
    "audits": "streams opened by audit.opened.v1 (none is closed)",
    "followUps": "audit.follow-up-recorded.v1 events",
}


# ---------------------------------------------------------------------------------------------

def generate(seed):
    check_units()
    rng = Rng(seed)
    exchange_streams = []
    for kind, n in QUOTAS:
        for i in range(n):
            ex = build_exchange(rng, kind, i)
            exchange_streams.append(ex.stream)
    exchange_streams += build_audit_requests(rng)
    distribution_streams = [build_distribution(rng, spec) for spec in DISTRIBUTIONS]

    # Number exchange and distribution streams in the order they start.
    numbered = sorted(exchange_streams + distribution_streams,
                      key=lambda s: (s.key[0].astimezone(dt.timezone.utc), s.key[1], s.key[2]))
    for n, s in enumerate(numbered, 1):
        s.subject = f"exchange/{FISCAL_YEAR}-{n:04d}"
    streams = numbered + [build_audit()]

    events = []
    for order, s in enumerate(streams):
        for version, (when, source, typ, step, data) in enumerate(s.events):
            if when.date() > LAST_EVENT_DAY or when.year != FISCAL_YEAR:
                raise AssertionError(f"{s.subject}/{step} at {when} is outside the fiscal year")
            events.append(((when.astimezone(dt.timezone.utc), order, version), {
                "time": when.isoformat(), "source": source, "type": typ, "subject": s.subject,
                "id": f"{s.subject}/{step}", "data": data}))
    events.sort(key=lambda x: x[0])
    events = [e for _, e in events]
    assert len({e["id"] for e in events}) == len(events), "duplicate event ids"
    check_rules(events)
    c = count(events, AS_OF)

    # The counts must be what the quotas intend.
    audit_n = len(AUDIT_REQUESTS)
    assert c["exchanges"] == sum(n for _, n in QUOTAS) + audit_n, c
    assert c["distributions"] == len(DISTRIBUTIONS), c
    assert c["declined"] == dict(QUOTAS)["declined"], c
    assert c["withdrawn"] == dict(QUOTAS)["withdrawn"] + dict(QUOTAS)["reject-withdraw"], c
    assert c["open"] == sum(n for k, n in QUOTAS if k.startswith("open-")), c
    assert c["overdueAtEnd"] == dict(QUOTAS)["open-unanswered-overdue"] + 1, c
    assert c["findings"] == 4 and c["openFindings"] == 2, c

    expected_keys = ["exchanges", "distributions", "events", "acknowledged", "late", "rejectedThenRedelivered",
                     "declined", "withdrawn", "open", "overdueAtEnd", "findings", "openFindings",
                     "rejected", "rejections", "deliveries", "unanswered", "pendingAcknowledgement",
                     "awaitingRedelivery", "audits", "followUps"]
    description = (
        f"Satu tahun anggaran ({FISCAL_YEAR}) pertukaran data antarunit KPU: {c['exchanges']} permintaan data "
        f"(tepat waktu, terlambat, ditolak lalu dikirim ulang, ditolak penyedia, ditarik kembali, dan yang masih "
        f"terbuka di akhir tahun), {c['distributions']} distribusi data tanpa permintaan, serta satu audit kinerja "
        f"Inspektorat Utama atas Biro Logistik dengan {c['findings']} temuan, {c['openFindings']} di antaranya "
        f"belum ditindaklanjuti. Waktu kejadian dalam waktu setempat unit (WIB/WITA). Dibuat oleh "
        f"Tools/make-scenario.py --seed {seed}; jangan disunting dengan tangan.")
    return {
        "fiscalYear": FISCAL_YEAR,
        "description": description,
        "generator": {"tool": "Tools/make-scenario.py", "seed": seed},
        "asOf": AS_OF.isoformat(),
        "expected": {k: c[k] for k in expected_keys},
        "definitions": {k: DEFINITIONS[k] for k in expected_keys},
        "events": events,
    }


def write(scenario, path):
    """Top level indented, one compact event per line: diffable and small."""
    lines = ["{"]
    head = [k for k in scenario if k != "events"]
    for k in head:
        v = json.dumps(scenario[k], ensure_ascii=False, indent=2, sort_keys=False).replace("\n", "\n  ")
        lines.append(f'  {json.dumps(k)}: {v},')
    lines.append('  "events": [')
    evs = scenario["events"]
    for i, e in enumerate(evs):
        comma = "," if i + 1 < len(evs) else ""
        lines.append("    " + json.dumps(e, ensure_ascii=False, separators=(",", ":")) + comma)
    lines.append("  ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # well-formed
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return len(text.encode("utf-8"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    ap.add_argument("--out", default=os.path.join(SEEDS, "scenario.json"), help="output file")
    args = ap.parse_args()
    scenario = generate(args.seed)
    size = write(scenario, args.out)
    e = scenario["expected"]
    print(f"wrote {os.path.relpath(args.out)}: {e['events']} events, {size:,} bytes")
    print("expected: " + ", ".join(f"{k}={v}" for k, v in e.items()))


if __name__ == "__main__":
    main()
