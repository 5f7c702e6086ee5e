"""Row-level issues: what went wrong, where, and how to fix it, in Japanese and English.

Every problem the reader, the normalisers or the engine finds is an :class:`Issue` that points
back to the user's spreadsheet: file, row number as a spreadsheet shows it, column, value.
Message texts live in one table (:data:`CATALOGUE`) so reports stay consistent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

ERROR = "error"
WARNING = "warning"
INFO = "info"

#: code -> (severity, message ja, message en, fix ja, fix en). ``{value}`` and ``{detail}`` are filled in.
CATALOGUE: dict[str, tuple[str, str, str, str, str]] = {
    "file.unreadable": (ERROR, "ファイルを読み込めません: {detail}", "The file cannot be read: {detail}",
                        "CSV 形式で保存し直してください。", "Save the file again as CSV."),
    "file.no_header": (ERROR, "見出し行が見つかりません。", "No header row was found.",
                       "1 行目に項目名の行を置いてください。", "Put the column names in the first row."),
    "file.unknown_dataset": (ERROR, "どのデータセットか判別できません: {detail}",
                             "The dataset could not be recognised: {detail}",
                             "--dataset で指定するか、標準の項目名を使ってください。",
                             "Pass --dataset, or use the standard column names."),
    "file.excel": (ERROR, "Excel のファイルです。CSV 形式で保存し直してください。", "This is an Excel workbook, not CSV.",
                   "Excel で「名前を付けて保存」→「CSV UTF-8」を選んでください。",
                   "In Excel, use Save As → CSV UTF-8."),
    "file.generic": (WARNING, "どのデータセットか判別できないため、一般的な表として変換しました（候補: {detail}）。",
                     "No dataset fits this table, so it was converted as a generic table (candidates: {detail}).",
                     "`itsutsuboshi map ファイル` で列の対応の下書きを作り、データセットと列を確かめて `--mapping` で使ってください。"
                     "標準の項目名にすると自動で判別できます。",
                     "Run `itsutsuboshi map FILE` for a draft mapping, check the dataset and columns, and use it with "
                     "`--mapping`; the standard column names are recognised without one."),
    "file.low_confidence": (WARNING, "データセットを「{detail}」と判断しましたが、確信度が低いです。",
                            "The dataset was recognised as {detail}, with low confidence.",
                            "違う場合は --dataset で指定してください。", "If that is wrong, pass --dataset."),
    "file.no_code": (WARNING, "発行した地方公共団体が分かりません（{detail}）。IRI に 000000 を使い、発行者は書きません。",
                     "The publishing local government is unknown ({detail}); IRIs use 000000 and no publisher "
                     "is stated.",
                     "ファイル名を団体コードで始める（222127_aed.csv）か、--code を指定するか、フォルダの "
                     "itsutsuboshi.toml に code = \"222127\" と書いてください。",
                     "Start the file name with the code (222127_aed.csv), pass --code, or write code = \"222127\" "
                     "in the folder's itsutsuboshi.toml."),
    "file.publisher_inferred": (INFO, "発行者を {detail} と判断しました（行の団体コードが同じ都道府県の複数の市区町村）。"
                                "各行の団体コードは、その行の市区町村として残します。",
                                "The publisher was taken to be {detail} (the rows name several municipalities of one "
                                "prefecture); each row's code is kept as its municipality.",
                                "違う場合は --code で発行者のコードを指定してください。",
                                "If that is wrong, pass the publisher's code with --code."),
    "encoding.replaced": (WARNING, "文字コードとして読めないバイトがあり「�」に置き換えました。",
                          "Bytes that are not valid text were replaced with '�'.",
                          "UTF-8 か Shift_JIS で保存し直してください。", "Save the file as UTF-8 or Shift_JIS."),
    "encoding.mixed": (WARNING, "この行だけ別の文字コード（{detail}）で書かれていたため、その文字コードで読みました。",
                       "This row alone was written in another encoding ({detail}); it was read in that encoding.",
                       "ファイル全体を一つの文字コード（UTF-8 か Shift_JIS）で保存し直してください。",
                       "Save the whole file again in one encoding (UTF-8 or Shift_JIS)."),
    "column.unmapped": (INFO, "標準にない列です。そのまま独自の項目として出力しました。",
                        "Column not in the standard; kept as a custom property.",
                        "標準の項目名に合わせられるなら合わせてください。",
                        "Rename it to a standard column if it means the same."),
    "column.blank_is_no": (INFO, "この列では「有」の印だけが書かれているため、空欄を「無」(false) としました（{detail}）。",
                           "These columns mark only the yes, so their blank cells were read as no (false) ({detail}).",
                           "空欄が「不明」の意味なら、「無」の所に「無」や「×」を書いてください。",
                           "If a blank means unknown here, write 無 or × where the answer is no."),
    "column.blank_is_no_late": (WARNING, "この列の空欄は「無」と読みましたが、ここで初めて「無」が書かれています。前の行の空欄は「不明」"
                                "だったかもしれません。",
                                "Blank cells of this column were read as no, but here a no is written out for the first "
                                "time: earlier blanks may have meant unknown.",
                                "空欄が「不明」の意味なら、「無」の所にはすべて「無」と書いてください。",
                                "If a blank means unknown, write 無 wherever the answer is no."),
    "column.missing_required": (WARNING, "必須項目の列がありません: {detail}", "A required column is missing: {detail}",
                                "列を追加してください。", "Add the column."),
    "row.width": (WARNING, "列の数が見出しと違います ({detail})。", "The row has a different number of cells ({detail}).",
                  "区切りのカンマや引用符を確認してください。", "Check commas and quotes in this row."),
    "row.failed": (ERROR, "行を変換できませんでした: {detail}", "The row could not be converted: {detail}",
                   "この行の値を確認してください。", "Check the values in this row."),
    "row.quote_recovered": (WARNING, "余分な引用符（\"）のため、後ろのカンマや行まで一つのセルとして読まれるところでした。"
                            "その引用符を文字として扱い、この行を読み直しました。",
                            "A stray quote (\") would have swallowed the following commas or lines into one cell; "
                            "it was taken as text and the row read again.",
                            "この行の余分な \" を削除してください（\" を含むセルは全体を \" で囲み、中の \" は \"\" と二つ重ねます）。",
                            "Remove the stray \" from this row (a cell holding a quote is written in quotes, with the "
                            "quote doubled: \"5\"\" pipe\")."),
    "row.title": (INFO, "見出しの上の行を表題として読み飛ばしました。", "A row above the header was taken as a title and skipped.",
                  "表題や作成日はメタデータ（データセットの説明）に書き、1 行目を項目名の行にしてください。",
                  "Put the title and date in the dataset's description and the column names in the first row."),
    "row.note": (INFO, "データの行ではなく注記として読み飛ばしました。", "Taken as a note, not a data row, and skipped.",
                 "注記や出典はデータセットの説明に書き、CSV にはデータの行だけを置いてください。",
                 "Put notes and sources in the dataset's description; keep only data rows in the CSV."),
    "row.suppressed": (WARNING, "合計は書かれていますが、その内訳（{detail}）が空欄です。住民の少ない地域の秘匿（統計の公表を控えた値）と"
                       "読み、値は書きませんでした（欠けた必須項目としては扱いません）。",
                       "The total is given but its breakdown ({detail}) is blank: read as withheld for a small area "
                       "(statistical disclosure control), so no value is written (not a missing required value).",
                       "秘匿であれば直す必要はありません。データセットの説明に秘匿の基準（例: 5 人以下の地域は年齢別を公表しない）を"
                       "書いてください。秘匿でなければ値を入れてください。",
                       "Nothing to fix if the values are withheld on purpose: state the rule in the dataset's "
                       "description (e.g. no age bands for areas of 5 residents or fewer). Otherwise fill in the values."),
    "cell.truncated": (WARNING, "セルが長すぎるため（{detail} 文字）、先頭の 1,048,576 文字だけを残しました。",
                       "The cell is too long ({detail} characters); only its first 1,048,576 characters were kept.",
                       "長い文章や画像などのデータは CSV に入れず、別のファイルの URL を書いてください。",
                       "Do not put long texts or images in a cell; give the URL of a separate file instead."),
    "id.missing": (INFO, "ID が空のため、内容から安定した ID を作りました ({detail})。",
                   "ID is blank; a stable ID was derived from the content ({detail}).",
                   "ID 列に一意の値を入れると URI が変わらなくなります。",
                   "Fill the ID column with a unique value to keep URIs stable."),
    "id.collision": (WARNING, "この ID は同じデータセットの別のファイル（{detail}）でも使われています。URI が重ならないよう、"
                     "ファイル名を含む URI にしました。",
                     "Another file of the same dataset ({detail}) uses this ID too; this record's URI includes the "
                     "file name so that the two stay apart.",
                     "同じデータセットのファイル同士で ID が重ならないようにしてください（ファイルごとに接頭辞を付けるなど）。",
                     "Keep IDs unique across the files of a dataset (for example, a prefix per file)."),
    "id.duplicate": (WARNING, "ID が重複しています。URI を区別するため {detail} を付けました。",
                     "Duplicate ID; {detail} was appended to keep URIs distinct.",
                     "ID を一意にしてください。", "Make the IDs unique."),
    "value.invalid": (ERROR, "値を解釈できません: {detail}", "The value cannot be understood: {detail}",
                      "書式を確認してください。", "Check the format."),
    "date.invalid": (ERROR, "日付として解釈できません。", "Not a recognisable date.",
                     "2024-04-01 の形式で書いてください。", "Write the date as 2024-04-01."),
    "date.wareki": (INFO, "和暦を西暦に変換しました ({detail})。", "Japanese era date converted ({detail}).",
                    "西暦 (2024-04-01) で書くと確実です。", "Writing 2024-04-01 avoids conversion."),
    "date.serial": (INFO, "Excel のシリアル値を日付に変換しました ({detail})。",
                    "Excel serial number converted to a date ({detail}).",
                    "セルの書式を文字列にして 2024-04-01 の形式で保存してください。",
                    "Format the cell as text and write 2024-04-01."),
    "time.invalid": (ERROR, "時刻として解釈できません。", "Not a recognisable time.",
                     "09:00 の形式で書いてください。", "Write the time as 09:00."),
    "number.invalid": (ERROR, "数値として解釈できません。", "Not a number.",
                       "半角数字だけを書いてください。", "Write digits only."),
    "price.text": (INFO, "料金が金額だけではないため、文章として残しました。", "The fee is not a plain amount; kept as text.",
                   "金額は「料金(基本)」に数字で、条件は「料金(詳細)」に書いてください。",
                   "Put the amount in 料金(基本) as digits and the conditions in 料金(詳細)."),
    "flag.invalid": (WARNING, "有無として解釈できません。", "Not a yes/no value.",
                     "「有」または「無」と書いてください。", "Write 有 (yes) or 無 (no)."),
    "hours.unread": (INFO, "時刻を含む文の一部を、曜日と時刻の形に読み取れませんでした。文のまま残しています。",
                     "Part of this text gives times that could not be read as days and hours; it is kept as text.",
                     "曜日ごとの時刻は「日曜日は9:00～17:00」のように、1 つの文に 1 つずつ書いてください。日付・階・季節などの"
                     "条件つきの時刻は備考へ。",
                     "Write one rule per sentence, such as 日曜日は9:00～17:00; move times for dates, floors or seasons "
                     "to 備考."),
    "flag.partial": (INFO, "「一部・条件付き」(△ など) は有無のどちらでもないため、元の値のまま残しました。",
                     "A partial/conditional mark (such as △) is neither yes nor no; kept as written.",
                     "条件は備考に書き、有無の列は「有」か「無」にしてください。",
                     "Write the condition in 備考 and 有 or 無 in the yes/no column."),
    "link.code_unmatched": (INFO, "コードリストにない値です。文字のまま残しました: {detail}",
                       "Not in the code list; kept as text: {detail}",
                       "名前は法令などの標準の名称で書き、医師名・日時などの注記は括弧に入れるか備考の列へ移してください。",
                       "Write the standard (statutory) name; put notes such as a doctor's name or hours in brackets or "
                       "in the 備考 column."),
    "weekday.invalid": (WARNING, "曜日として解釈できない文字があります。", "Contains characters that are not weekdays.",
                        "「月火水木金」のように書き、補足は特記事項の列へ。",
                        "Write days like 月火水木金 and put notes in the remarks column."),
    "lgcode.repaired": (INFO, "5 桁のコードに検査数字を補いました ({detail})。",
                        "Check digit added to the 5-digit code ({detail}).",
                        "6 桁の全国地方公共団体コードを書いてください。",
                        "Write the 6-digit local government code."),
    "lgcode.invalid": (ERROR, "全国地方公共団体コードが正しくありません ({detail})。",
                       "Invalid local government code ({detail}).",
                       "6 桁 (検査数字付き) のコードを確認してください。",
                       "Check the 6-digit code including its check digit."),
    "houjin.invalid": (ERROR, "法人番号が正しくありません ({detail})。", "Invalid corporate number ({detail}).",
                       "13 桁の法人番号を国税庁の公表サイトで確認してください。",
                       "Check the 13-digit corporate number in the NTA registry."),
    "phone.invalid": (WARNING, "電話番号の書式ではありません。", "Not a telephone number.",
                      "03-1234-5678 の形式で書いてください。", "Write it as 03-1234-5678."),
    "fax.invalid": (WARNING, "FAX 番号の書式ではありません。", "Not a fax number.",
                    "03-1234-5678 の形式で書いてください。", "Write it as 03-1234-5678."),
    "postal.invalid": (WARNING, "郵便番号の書式ではありません。", "Not a postal code.",
                       "123-4567 の形式で書いてください。", "Write it as 123-4567."),
    "email.invalid": (WARNING, "メールアドレスの書式ではありません。", "Not an e-mail address.",
                      "name@example.lg.jp の形式で書いてください。", "Write it as name@example.lg.jp."),
    "url.invalid": (WARNING, "URL として解釈できません。", "Not a URL.",
                    "http:// または https:// で始まる URL を書いてください。",
                    "Write a URL starting with http:// or https://."),
    "coord.invalid": (ERROR, "緯度・経度として解釈できません。", "Not a latitude/longitude.",
                      "35.681236 のような十進数で書いてください。", "Write decimal degrees such as 35.681236."),
    "coord.out_of_range": (ERROR, "緯度・経度が日本の範囲外です ({detail})。",
                           "Latitude/longitude outside Japan ({detail}).",
                           "緯度 20〜46、経度 122〜154 の範囲か確認してください。",
                           "Check that latitude is 20–46 and longitude 122–154."),
    "coord.swapped": (WARNING, "緯度と経度が入れ替わっていたので直しました。", "Latitude and longitude were swapped; fixed.",
                      "緯度の列に緯度、経度の列に経度を書いてください。",
                      "Put latitude in 緯度 and longitude in 経度."),
    "coord.incomplete": (WARNING, "緯度と経度の片方だけがあります。", "Only one of latitude/longitude is given.",
                         "両方を書いてください。", "Fill both."),
    "link.address_unmatched": (WARNING, "住所から市区町村を特定できません ({detail})。",
                               "The address could not be placed in a municipality ({detail}).",
                               "都道府県名と市区町村名から書いてください。",
                               "Write the address starting with the prefecture and municipality."),
    "link.town_unmatched": (WARNING, "住所の町字がアドレス・ベース・レジストリに見つかりません ({detail})。",
                            "The 町字 of the address is not in the address base registry ({detail}).",
                            "町名・丁目の書き方を確認するか、町字ID の列を埋めてください。",
                            "Check how the town and 丁目 are written, or fill the 町字ID column."),
    "link.no_town_master": (INFO, "この都道府県の町字マスターは同梱されていないため、市区町村までつなぎました。",
                            "The 町字 master of this prefecture is not shipped; linked down to the municipality.",
                            "itsutsuboshi registries update --prefecture で町字マスターを取得できます。",
                            "Fetch it with itsutsuboshi registries update --prefecture."),
    "link.area_unmatched": (INFO, "地域名がアドレス・ベース・レジストリの町字と一致しません ({detail})。",
                            "The area name is not a 町字 of the address base registry ({detail}).",
                            "町字ごとの集計なら、地域名を町字の名前で書いてください（中国分3丁目、中国分三丁目）。",
                            "If the counts are per 町字, write the area name as the 町字 is named (中国分3丁目)."),
    "link.coordinates_filled": (INFO, "緯度・経度がないため、町字「{detail}」の代表点で補いました。",
                                "No coordinates: the representative point of the 町字 {detail} was used.",
                                "正確な緯度・経度を入れると地図の位置が正しくなります。",
                                "Fill the exact latitude and longitude for a precise position."),
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, located in the user's file (``row`` as a spreadsheet numbers it; 0 = whole file)."""

    file: str
    row: int
    column: str
    value: str
    code: str
    severity: str
    message_ja: str
    message_en: str
    fix_ja: str
    fix_en: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


FIELDS = tuple(Issue.__dataclass_fields__)


def make_issue(code: str, *, file: str, row: int = 0, column: str = "", value: str = "", detail: str = "") -> Issue:
    """Build an :class:`Issue` from the catalogue entry ``code``."""
    severity, ja, en, fix_ja, fix_en = CATALOGUE[code]
    message_ja, message_en = _messages(code, value if "{value}" in ja + en else "", detail)
    return Issue(file, row, column, value, code, severity, message_ja, message_en, fix_ja, fix_en)


@lru_cache(maxsize=4096)
def _messages(code: str, value: str, detail: str) -> tuple[str, str]:
    """The messages of an issue, formatted once for each value and detail (a file with the same problem on
    every row holds one copy of its text, not one per row)."""
    _, ja, en, _, _ = CATALOGUE[code]
    return ja.format(value=value, detail=detail), en.format(value=value, detail=detail)
