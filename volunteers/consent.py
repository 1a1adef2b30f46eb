"""The consent texts a volunteer agrees to when registering, one entry per published version.

The version string is stored with each volunteer (`Volunteer.consent_version`, with the language
the text was shown in), so that for every person we can show which words they agreed to. A
changed text is a new version: add it to `TEXTS` and point `CURRENT_VERSION` at it; never edit
a published one. A new version may start in German alone: until a language's translation of it
is added, people reading that language are shown the German text, told so, and their consent
is recorded as given to the German text. The texts are kept here, not in the translation files,
because a translator's correction must not silently change what people have already agreed to.
"""

from __future__ import annotations

CURRENT_VERSION = "2026-11"

TEXTS: dict[str, dict[str, str]] = {
    "2026-11": {
        "de": (
            "Lotse speichert, was Sie hier angeben: Name, E-Mail-Adresse, Telefon, Postleitzahl, "
            "Sprachen, Fähigkeiten, Zeiten, Abwesenheiten und – nur wenn Sie es angeben – "
            "Geschlecht und Datum des Führungszeugnisses. Wir nutzen die Daten nur, um Ihnen "
            "passende Einsätze der Willkommensbüros anzubieten, und speichern dazu, welche "
            "Angebote Sie bekommen und angenommen haben. Sehen können die Daten nur die "
            "Mitarbeitenden der Willkommensbüros und die Koordination des Netzwerks; wir geben "
            "sie an niemanden sonst weiter. Über den persönlichen Link in jeder E-Mail von uns "
            "können Sie Ihre Angaben jederzeit ändern, pausieren, als Datei herunterladen oder "
            "vollständig löschen. Bestätigen Sie Ihre E-Mail-Adresse nicht innerhalb von 7 "
            "Tagen, löschen wir Ihre Angaben."
        ),
        "en": (
            "Lotse stores what you enter here: name, email address, phone, postcode, languages, "
            "skills, times, absences and – only if you give them – gender and the date of your "
            "certificate of conduct. We use these data only to offer you suitable tasks of the "
            "welcome offices, and for that we store which offers you received and accepted. "
            "Only the staff of the welcome offices and the network's coordinators can see them; "
            "we pass them on to no one else. With the personal link in every email from us you "
            "can change your details at any time, pause, download them as a file or delete them "
            "completely. If you do not confirm your email address within 7 days, we delete "
            "your details."
        ),
        # Machine-assisted translations awaiting a native speaker's review (docs/translations.md).
        "ar": (
            "يحفظ Lotse ما تُدخلونه هنا: الاسم، وعنوان البريد الإلكتروني، والهاتف، والرمز البريدي، "
            "واللغات، والمهارات، والأوقات، وفترات الغياب، و– فقط إذا ذكرتموها – الجنس وتاريخ شهادة "
            "حسن السيرة والسلوك. نستخدم هذه البيانات فقط لنعرض عليكم مهامّ مناسبة من مكاتب الترحيب، "
            "ولهذا نحفظ العروض التي وصلتكم والتي قبلتموها. لا يرى هذه البيانات إلا موظفو مكاتب "
            "الترحيب ومنسّقو الشبكة؛ ولا نعطيها لأي أحد آخر. بالرابط الشخصي الموجود في كل رسالة "
            "منا يمكنكم في أي وقت تغيير بياناتكم، أو إيقافها مؤقتًا، أو تنزيلها كملف، أو حذفها "
            "بالكامل. إذا لم تؤكّدوا عنوان بريدكم الإلكتروني خلال 7 أيام، نحذف بياناتكم."
        ),
        "fa": (
            "Lotse آنچه را اینجا وارد می‌کنید ذخیره می‌کند: نام، آدرس ایمیل، تلفن، کد پستی، زبان‌ها، "
            "مهارت‌ها، زمان‌ها، غیبت‌ها و – فقط اگر وارد کنید – جنسیت و تاریخ گواهی عدم سوءپیشینه. "
            "ما از این داده‌ها فقط برای پیشنهاد کارهای مناسب دفترهای خوشامدگویی به شما استفاده "
            "می‌کنیم و برای این کار ذخیره می‌کنیم که چه پیشنهادهایی دریافت کرده و پذیرفته‌اید. فقط "
            "کارکنان دفترهای خوشامدگویی و هماهنگ‌کنندگان شبکه این داده‌ها را می‌بینند؛ ما آن‌ها را "
            "به هیچ کس دیگری نمی‌دهیم. با لینک شخصی در هر ایمیل ما می‌توانید هر وقت بخواهید "
            "اطلاعات خود را تغییر دهید، متوقف کنید، به صورت فایل دانلود کنید یا کاملاً حذف کنید. "
            "اگر ظرف 7 روز آدرس ایمیل خود را تأیید نکنید، اطلاعات شما را حذف می‌کنیم."
        ),
        "uk": (
            "Lotse зберігає те, що Ви тут вказуєте: ім’я, адресу електронної пошти, телефон, "
            "поштовий індекс, мови, навички, час, відсутності та – лише якщо Ви їх вказуєте – "
            "стать і дату довідки про несудимість. Ми використовуємо ці дані лише для того, щоб "
            "пропонувати Вам відповідні завдання бюро привітання, і для цього зберігаємо, які "
            "пропозиції Ви отримали й прийняли. Бачити дані можуть лише працівники бюро "
            "привітання та координатори мережі; нікому іншому ми їх не передаємо. За персональним"
            " посиланням у кожному нашому листі Ви можете будь-коли змінити свої дані, поставити "
            "їх на паузу, завантажити як файл або повністю видалити. Якщо Ви не підтвердите "
            "адресу електронної пошти протягом 7 днів, ми видалимо Ваші дані."
        ),
        "tr": (
            "Lotse burada girdiklerinizi saklar: ad, e-posta adresi, telefon, posta kodu, diller,"
            " beceriler, saatler, yokluklar ve – yalnızca belirtirseniz – cinsiyet ve sabıka "
            "kaydının tarihi. Bu verileri yalnızca size karşılama bürolarının uygun görevlerini "
            "teklif etmek için kullanırız ve bunun için hangi teklifleri aldığınızı ve kabul "
            "ettiğinizi saklarız. Verileri yalnızca karşılama bürolarının çalışanları ve ağın "
            "koordinatörleri görebilir; onları başka kimseye vermeyiz. Her e-postamızdaki kişisel"
            " bağlantıyla bilgilerinizi istediğiniz zaman değiştirebilir, duraklatabilir, dosya "
            "olarak indirebilir veya tamamen silebilirsiniz. E-posta adresinizi 7 gün içinde "
            "onaylamazsanız bilgilerinizi sileriz."
        ),
        "ru": (
            "Lotse сохраняет то, что Вы здесь указываете: имя, адрес эл. почты, телефон, почтовый"
            " индекс, языки, навыки, время, отсутствия и – только если Вы их указываете – пол и "
            "дату справки о несудимости. Мы используем эти данные только для того, чтобы "
            "предлагать Вам подходящие задания бюро приёма, и для этого сохраняем, какие "
            "предложения Вы получили и приняли. Видеть данные могут только сотрудники бюро приёма"
            " и координаторы сети; никому другому мы их не передаём. По личной ссылке в каждом "
            "нашем письме Вы можете в любое время изменить свои данные, поставить их на паузу, "
            "скачать как файл или полностью удалить. Если Вы не подтвердите адрес эл. почты в "
            "течение 7 дней, мы удалим Ваши данные."
        ),
    },
}


def shown_language(*, language: str, version: str | None = None) -> str:
    """The language the text of `version` is shown in to someone reading `language`: theirs if
    that version has been translated, else German (the text the translations follow). Recorded
    with the consent, so a volunteer never agrees to a translation of an older version."""
    return language if language in TEXTS[version or CURRENT_VERSION] else "de"


def text(*, language: str, version: str | None = None) -> str:
    """The consent text of `version` in `language`, or in German while it lacks a translation."""
    version = version or CURRENT_VERSION
    return TEXTS[version][shown_language(language=language, version=version)]
