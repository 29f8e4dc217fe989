<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ur_PK">
<context>
    <name>CaseFile</name>
    <message>
        <location filename="../casefile.py" line="90"/>
        <source>case file {} does not exist; check the path</source>
        <translation>کیس فائل {} موجود نہیں؛ راستہ (پاتھ) جانچیں</translation>
    </message>
    <message>
        <location filename="../casefile.py" line="93"/>
        <source>case file {} cannot be read ({}); open another case or the scan itself</source>
        <translation>کیس فائل {} پڑھی نہیں جا سکتی ({})؛ کوئی اور کیس یا خود اسکین کھولیں</translation>
    </message>
    <message>
        <location filename="../casefile.py" line="97"/>
        <source>{} is not a case file of this version (schema {}, expected {}); open the scan instead</source>
        <translation>{} اس ورژن کی کیس فائل نہیں (اسکیما {}، متوقع {})؛ اس کے بجائے اسکین کھولیں</translation>
    </message>
    <message>
        <location filename="../casefile.py" line="103"/>
        <source>{} names no scan file; open the scan instead</source>
        <translation>{} میں کسی اسکین فائل کا نام نہیں؛ اس کے بجائے اسکین کھولیں</translation>
    </message>
    <message>
        <location filename="../casefile.py" line="110"/>
        <source>{}: &apos;parameters&apos; must map each group to its values</source>
        <translation>{}: &apos;parameters&apos; میں ہر گروپ کے ساتھ اس کی قدریں ہونی چاہئیں</translation>
    </message>
</context>
<context>
    <name>CaseTrends</name>
    <message>
        <location filename="../casepanel.py" line="27"/>
        <source>Case trends</source>
        <translation>کیس کے رجحانات</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="36"/>
        <source>revision</source>
        <translation>نظرثانی</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="36"/>
        <source>date (UTC)</source>
        <translation>تاریخ (UTC)</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="37"/>
        <source>kind</source>
        <translation>قسم</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="37"/>
        <source>scan</source>
        <translation>اسکین</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="38"/>
        <source>author</source>
        <translation>ڈیزائن کنندہ</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="38"/>
        <source>note</source>
        <translation>نوٹ</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="63"/>
        <source> Circumference since the first scan: {} % (mean over {} levels).</source>
        <translation> پہلے اسکین کے بعد سے گھیر میں تبدیلی: {} % ({} سطحوں کا اوسط)۔</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="66"/>
        <source>verified</source>
        <translation>تصدیق شدہ</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="67"/>
        <source>DOES NOT VERIFY: {}</source>
        <translation>تصدیق نہیں ہوتی: {}</translation>
    </message>
    <message>
        <location filename="../casepanel.py" line="73"/>
        <source>{} scans, {} revisions · {}.{}</source>
        <translation>{} اسکین، {} نظرثانیاں · {}۔{}</translation>
    </message>
</context>
<context>
    <name>Compare</name>
    <message>
        <location filename="../comparewindow.py" line="173"/>
        <source>Registering the limbs and comparing them</source>
        <translation>دونوں اعضاء کو ایک دوسرے پر بٹھا کر موازنہ کیا جا رہا ہے</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="230"/>
        <source>scan file {} does not exist; choose it again</source>
        <extracomment>Jobs let go (cancelled or replaced) that have not ended yet.</extracomment>
        <translation>اسکین فائل {} موجود نہیں؛ اسے دوبارہ چنیں</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="245"/>
        <source>Comparing with {}</source>
        <translation>{} سے موازنہ</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="326"/>
        <source>Compare – {}</source>
        <translation>موازنہ – {}</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="351"/>
        <source>Compare with:</source>
        <translation>موازنہ کس سے:</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="353"/>
        <source>The open case&apos;s other scans</source>
        <translation>کھلے کیس کے دوسرے اسکین</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="357"/>
        <source>(no other scan in a case)</source>
        <translation>(کیس میں کوئی اور اسکین نہیں)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="361"/>
        <source>Other file…</source>
        <translation>دوسری فائل…</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="362"/>
        <source>Compare with a scan file of the same limb</source>
        <translation>اسی عضو کی کسی اسکین فائل سے موازنہ کریں</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="375"/>
        <source>View</source>
        <translation>منظر</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="379"/>
        <source>Deviation map</source>
        <translation>فرق کا نقشہ</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="380"/>
        <source>The current limb coloured by its distance to the other scan (mm)</source>
        <translation>موجودہ عضو، دوسرے اسکین سے اس کے فاصلے کے مطابق رنگا ہوا (mm)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="382"/>
        <source>Overlay</source>
        <translation>ایک دوسرے پر</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="383"/>
        <source>Both limbs, registered: the current one in skin colour, the other translucent blue</source>
        <translation>دونوں اعضاء ایک دوسرے پر بٹھائے ہوئے: موجودہ جلد کے رنگ میں، دوسرا نیم شفاف نیلا</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="392"/>
        <source>Colour range:</source>
        <translation>رنگوں کی حد:</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="401"/>
        <source>The colour bar runs from minus to plus this value; by default the largest deviation (at most 10 mm)</source>
        <translation>رنگ کی پٹی اس قدر کے منفی سے مثبت تک جاتی ہے؛ طے شدہ طور پر سب سے بڑا فرق (زیادہ سے زیادہ 10 mm)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="417"/>
        <source>Change below the common level</source>
        <translation>مشترکہ سطح سے نیچے تبدیلی</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="421"/>
        <source>Common level</source>
        <translation>مشترکہ سطح</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="422"/>
        <source>Volume, current</source>
        <translation>حجم، موجودہ</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="423"/>
        <source>Volume, other</source>
        <translation>حجم، دوسرا</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="424"/>
        <source>Change</source>
        <translation>تبدیلی</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="425"/>
        <source>Sock plies</source>
        <translation>جراب کی تہیں</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="426"/>
        <source>Deviation</source>
        <translation>فرق</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="427"/>
        <source>Range</source>
        <translation>حد</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="428"/>
        <source>Registration</source>
        <translation>بٹھانا (رجسٹریشن)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="443"/>
        <source>Circumference by level</source>
        <translation>ہر سطح پر گھیر</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="446"/>
        <source>Other (mm)</source>
        <translation>دوسرا (mm)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="447"/>
        <source>Current (mm)</source>
        <translation>موجودہ (mm)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="448"/>
        <source>Change (mm)</source>
        <translation>تبدیلی (mm)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="449"/>
        <source>Change (%)</source>
        <translation>تبدیلی (%)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="450"/>
        <source>Circumference of each limb at heights from its own distal end</source>
        <translation>ہر عضو کا گھیر، اس کے اپنے نچلے سرے سے مختلف اونچائیوں پر</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="483"/>
        <source>Cancel</source>
        <translation>منسوخ کریں</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="485"/>
        <source>Stop the comparison (Esc)</source>
        <translation>موازنہ روک دیں (Esc)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="498"/>
        <source> (now comparing with {})</source>
        <translation> (اب {} سے موازنہ ہو رہا ہے)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="500"/>
        <source>{} (failed)</source>
        <translation>{} (ناکام)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="501"/>
        <source>&lt;b&gt;Current&lt;/b&gt;: {}&lt;br&gt;&lt;b&gt;Other&lt;/b&gt;: {}</source>
        <translation>&lt;b&gt;موجودہ&lt;/b&gt;: {}&lt;br&gt;&lt;b&gt;دوسرا&lt;/b&gt;: {}</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="558"/>
        <source>Comparison cancelled; choose a scan to compare again</source>
        <translation>موازنہ منسوخ ہو گیا؛ دوبارہ موازنے کے لیے اسکین چنیں</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="566"/>
        <source>The comparison failed</source>
        <translation>موازنہ ناکام رہا</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="582"/>
        <source>Compare – {} with {}</source>
        <translation>موازنہ – {} بمقابلہ {}</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="586"/>
        <source>Compared in {} s</source>
        <translation>موازنہ {} s میں مکمل</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="599"/>
        <source>z = {} mm from the distal end (the lower of the two scans&apos; tops)</source>
        <translation>نچلے سرے سے z = {} mm (دونوں اسکینوں کے اوپری سروں میں سے نچلا)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="606"/>
        <source>{} (one ply ≈ {} % of the volume)</source>
        <translation>{} (ایک تہہ ≈ حجم کا {} %)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="608"/>
        <source>mean {} mm, median {} mm (+: the current limb is outside the other)</source>
        <translation>اوسط {} mm، وسطانیہ {} mm (+: موجودہ عضو دوسرے سے باہر ہے)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="611"/>
        <source>{} to {} mm; 95 % of the surface within ± {} mm</source>
        <translation>{} سے {} mm تک؛ سطح کا 95 % حصہ ± {} mm کے اندر</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="617"/>
        <source>limb frames, then fitted: turned {}°, moved {} mm</source>
        <translation>عضو کے فریم، پھر بٹھایا گیا: {}° گھمایا، {} mm سرکایا</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="620"/>
        <source>distal end lifted {} mm</source>
        <translation>نچلا سرا {} mm اٹھایا گیا</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="623"/>
        <source>uniform thinning {} mm</source>
        <translation>یکساں پتلا پن {} mm</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="626"/>
        <source>residual {} mm (what the pose and a uniform thinning do not explain)</source>
        <translation>باقی فرق {} mm (جس کی وضاحت وضع اور یکساں پتلا پن نہیں کرتے)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="750"/>
        <source>Compare with another scan of the limb</source>
        <translation>عضو کے کسی دوسرے اسکین سے موازنہ کریں</translation>
    </message>
</context>
<context>
    <name>CompareWindow</name>
    <message>
        <location filename="../comparewindow.py" line="82"/>
        <source>Deviation (mm)</source>
        <translation>فرق (mm)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="662"/>
        <source>Choose the other scan to compare with</source>
        <translation>موازنے کے لیے دوسرا اسکین چنیں</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="663"/>
        <source>Comparing…</source>
        <translation>موازنہ ہو رہا ہے…</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="677"/>
        <source>The current limb ({}) against {}: red where it is outside (more volume), blue inside (less)</source>
        <translation>موجودہ عضو ({0}) بمقابلہ {1}: سرخ جہاں یہ باہر ہے (زیادہ حجم)، نیلا جہاں اندر (کم)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="680"/>
        <source>Skin colour: above the common level ({}), not compared</source>
        <translation>جلد کا رنگ: مشترکہ سطح ({}) سے اوپر، موازنہ نہیں کیا گیا</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="694"/>
        <source>Current limb ({}, skin) and {} (translucent blue), registered</source>
        <translation>موجودہ عضو ({0}، جلد) اور {1} (نیم شفاف نیلا)، ایک دوسرے پر بٹھائے گئے</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="697"/>
        <source>Blue rings: the other limb at the levels of the circumference table</source>
        <translation>نیلے حلقے: گھیر کی جدول کی سطحوں پر دوسرا عضو</translation>
    </message>
</context>
<context>
    <name>Edits</name>
    <message>
        <location filename="../edits.py" line="76"/>
        <location filename="../insole_window.py" line="164"/>
        <source>auto</source>
        <translation>خودکار</translation>
    </message>
    <message>
        <location filename="../edits.py" line="78"/>
        <location filename="../insole_window.py" line="163"/>
        <source>Change {} to {}</source>
        <extracomment>The parameters shown in the form (the rest keep their preset values). The design shown was made with other values than the form&apos;s (an edit failed or is still running): it must not be exported.</extracomment>
        <translation>{} کو {} کریں</translation>
    </message>
    <message>
        <location filename="../edits.py" line="79"/>
        <location filename="../insole_window.py" line="167"/>
        <source>Change {}</source>
        <translation>{} تبدیل کریں</translation>
    </message>
</context>
<context>
    <name>FileActions</name>
    <message>
        <location filename="../comparewindow.py" line="751"/>
        <location filename="../fileactions.py" line="290"/>
        <source>Scans ({});;All files (*)</source>
        <translation>اسکین ({});;تمام فائلیں (*)</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="54"/>
        <source>e.g. A. Khan, CPO</source>
        <translation>مثلاً A. Khan, CPO</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="57"/>
        <source>The record says who designed each revision and why.</source>
        <translation>ریکارڈ میں لکھا جاتا ہے کہ ہر نظرثانی کس نے اور کیوں ڈیزائن کی۔</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="59"/>
        <source>Clinician&apos;s name:</source>
        <translation>معالج کا نام:</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="60"/>
        <source>What changed, and why
(no personal details):</source>
        <translation>کیا بدلا، اور کیوں
(کوئی ذاتی تفصیل نہیں):</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="93"/>
        <source>opening another file</source>
        <translation>دوسری فائل کھولنے</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="111"/>
        <source>case {}</source>
        <translation>کیس {}</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="113"/>
        <source>its case file</source>
        <translation>اس کی کیس فائل</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="114"/>
        <source>a case</source>
        <translation>کسی کیس</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="117"/>
        <source>Unsaved changes</source>
        <translation>غیر محفوظ تبدیلیاں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="118"/>
        <source>The design of {} has changes that are not saved to {}.

Save them before {}?</source>
        <translation>{} کے ڈیزائن میں ایسی تبدیلیاں ہیں جو {} میں محفوظ نہیں ہوئیں۔

کیا {} سے پہلے انہیں محفوظ کریں؟</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="140"/>
        <source>Open scan</source>
        <translation>اسکین کھولیں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="141"/>
        <source>Scans ({});;Cases (*{});;All files (*)</source>
        <translation>اسکین ({});;کیس (*{});;تمام فائلیں (*)</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="148"/>
        <source>Open case: choose the case.json in the case folder</source>
        <translation>کیس کھولیں: کیس فولڈر میں case.json چنیں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="149"/>
        <source>Cases (case.json *{});;All files (*)</source>
        <translation>کیس (case.json *{});;تمام فائلیں (*)</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="160"/>
        <source>Save revision</source>
        <translation>نظرثانی محفوظ کریں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="190"/>
        <source>Saving the revision…</source>
        <translation>نظرثانی محفوظ ہو رہی ہے…</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="199"/>
        <source>Folder to make the case in (the case gets its own folder, named by a new case ID)</source>
        <translation>وہ فولڈر جس میں کیس بنانا ہے (کیس کو نئی کیس ID کے نام سے اپنا الگ فولڈر ملتا ہے)</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="203"/>
        <source>First revision of the new case</source>
        <translation>نئے کیس کی پہلی نظرثانی</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="217"/>
        <source>Made case {}; saving the first revision…</source>
        <translation>کیس {} بن گیا؛ پہلی نظرثانی محفوظ ہو رہی ہے…</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="224"/>
        <source>Saved revision {} of case {}</source>
        <translation>کیس {1} کی نظرثانی {0} محفوظ ہو گئی</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="240"/>
        <source>Export rectification</source>
        <translation>تصحیح برآمد کریں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="241"/>
        <location filename="../fileactions.py" line="266"/>
        <source>Rectification (*.json)</source>
        <translation>تصحیح (*.json)</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="253"/>
        <source>Choose another folder.</source>
        <translation>کوئی دوسرا فولڈر چنیں۔</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="255"/>
        <source>Rectification written to {}</source>
        <translation>تصحیح {} میں لکھ دی گئی</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="265"/>
        <source>Import rectification</source>
        <translation>تصحیح درآمد کریں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="275"/>
        <source>Export the rectification again from this application.</source>
        <translation>اسی ایپلیکیشن سے تصحیح دوبارہ برآمد کریں۔</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="278"/>
        <source>Import the rectification {}</source>
        <translation>تصحیح {} درآمد کریں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="284"/>
        <location filename="../fileactions.py" line="314"/>
        <source>no case is open</source>
        <translation>کوئی کیس کھلا نہیں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="285"/>
        <source>Open a case (File &gt; Open case) first.</source>
        <translation>پہلے کیس کھولیں (فائل &gt; کیس کھولیں)۔</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="289"/>
        <source>Add scan to case</source>
        <translation>کیس میں اسکین شامل کریں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="293"/>
        <source>Scan added to the case; save the case to file the design</source>
        <translation>اسکین کیس میں شامل ہو گیا؛ ڈیزائن درج کرنے کے لیے کیس محفوظ کریں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="300"/>
        <source>no scan is open</source>
        <translation>کوئی اسکین کھلا نہیں</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="301"/>
        <source>Open a scan (File &gt; Open scan) first.</source>
        <translation>پہلے اسکین کھولیں (فائل &gt; اسکین کھولیں)۔</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="315"/>
        <source>Open a case (File &gt; Open case) or make one (File &gt; Save as new case).</source>
        <translation>کیس کھولیں (فائل &gt; کیس کھولیں) یا نیا بنائیں (فائل &gt; نئے کیس کے طور پر محفوظ کریں)۔</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="333"/>
        <source>Saved {}</source>
        <translation>{} محفوظ ہو گیا</translation>
    </message>
    <message>
        <location filename="../fileactions.py" line="352"/>
        <source>(none)</source>
        <translation>(کوئی نہیں)</translation>
    </message>
</context>
<context>
    <name>Forms</name>
    <message>
        <location filename="../forms.py" line="41"/>
        <source>yes</source>
        <translation>ہاں</translation>
    </message>
    <message>
        <location filename="../forms.py" line="41"/>
        <source>no</source>
        <translation>نہیں</translation>
    </message>
    <message>
        <location filename="../forms.py" line="102"/>
        <source>Range {} to {} {}</source>
        <translation>حد: {} سے {} {} تک</translation>
    </message>
    <message>
        <location filename="../forms.py" line="105"/>
        <source>Automatic when &apos;auto&apos; is ticked.</source>
        <translation>&apos;خودکار&apos; پر نشان لگا ہو تو قدر خود بخود طے ہوتی ہے۔</translation>
    </message>
    <message>
        <location filename="../forms.py" line="106"/>
        <source>Parameter: {} (prosthetics design --set {}=...)</source>
        <translation>پیرامیٹر: {} (prosthetics design --set {}=...)</translation>
    </message>
    <message>
        <location filename="../forms.py" line="237"/>
        <location filename="../forms.py" line="250"/>
        <source>auto</source>
        <extracomment>The value an automatic parameter takes in the last design (None: not known yet).</extracomment>
        <translation>خودکار</translation>
    </message>
    <message>
        <location filename="../forms.py" line="238"/>
        <source>Automatic: the field shows, greyed, the value the last design used</source>
        <translation>خودکار: خانہ مدھم رنگ میں وہ قدر دکھاتا ہے جو پچھلے ڈیزائن میں استعمال ہوئی</translation>
    </message>
    <message>
        <location filename="../forms.py" line="251"/>
        <source>auto ({})</source>
        <translation>خودکار ({})</translation>
    </message>
    <message>
        <location filename="../forms.py" line="364"/>
        <source>Not used now: {}</source>
        <translation>ابھی استعمال نہیں ہو رہا: {}</translation>
    </message>
</context>
<context>
    <name>InsoleWindow</name>
    <message>
        <location filename="../comparewindow.py" line="138"/>
        <location filename="../insole_window.py" line="243"/>
        <source>unexpected error ({}); the details are in the terminal</source>
        <translation>غیر متوقع خرابی ({})؛ تفصیل ٹرمینل میں ہے</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="50"/>
        <source>Top (plantar surface)</source>
        <extracomment>Standard views of the foot frame (+X heel to toe, +Z up): camera direction and view-up.</extracomment>
        <translation>اوپر سے (تلوے کی سطح)</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="51"/>
        <source>Side</source>
        <translation>پہلو سے</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="52"/>
        <source>From the heel</source>
        <translation>ایڑی کی طرف سے</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="53"/>
        <source>Three-quarter</source>
        <translation>ترچھا منظر</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="58"/>
        <source>left</source>
        <extracomment>The sides of a foot and an insole as the report names them.</extracomment>
        <translation>بایاں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="59"/>
        <source>right</source>
        <translation>دایاں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="274"/>
        <source>Insole[*] – Prosthetics</source>
        <translation>انسول[*] – Prosthetics</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="279"/>
        <source>Open foot scan…</source>
        <translation>پاؤں کا اسکین کھولیں…</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="280"/>
        <source>Export…</source>
        <translation>برآمد کریں…</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="284"/>
        <source>No scan</source>
        <translation>کوئی اسکین نہیں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="288"/>
        <source>Preset</source>
        <translation>پری سیٹ</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="317"/>
        <source>X: heel to toe   Z: up</source>
        <translation>X: ایڑی سے انگلیوں تک   Z: اوپر</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="325"/>
        <source>Open a foot scan (File &gt; Open foot scan)</source>
        <translation>پاؤں کا اسکین کھولیں (فائل &gt; پاؤں کا اسکین کھولیں)</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="338"/>
        <source>Wrote {} print files and the reports to {}</source>
        <translation>{} پرنٹ فائلیں اور رپورٹیں {} میں لکھ دی گئیں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="350"/>
        <source>&amp;File</source>
        <translation>فائل</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="351"/>
        <source>&amp;Open foot scan…</source>
        <translation>پاؤں کا اسکین کھولیں…</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="353"/>
        <source>Open a foot scan (PLY, OBJ, STL, GLB, OFF, XYZ)</source>
        <translation>پاؤں کا اسکین کھولیں (PLY, OBJ, STL, GLB, OFF, XYZ)</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="355"/>
        <source>&amp;Export…</source>
        <translation>برآمد کریں…</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="356"/>
        <location filename="../insole_window.py" line="432"/>
        <source>Write the print files and the reports of the insole shown</source>
        <translation>دکھائے گئے انسول کی پرنٹ فائلیں اور رپورٹیں لکھیں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="358"/>
        <source>&amp;Close</source>
        <translation>بند کریں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="364"/>
        <source>&amp;Edit</source>
        <translation>ترمیم</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="366"/>
        <source>&amp;Undo</source>
        <translation>واپس کریں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="369"/>
        <source>&amp;Redo</source>
        <translation>دوبارہ کریں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="373"/>
        <source>&amp;View</source>
        <translation>منظر</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="380"/>
        <source>Fit</source>
        <translation>پورا دکھائیں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="381"/>
        <source>Reset the zoom to fit the insole</source>
        <translation>زوم کو انسول کے مطابق واپس کریں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="408"/>
        <source>auto (foot length)</source>
        <translation>خودکار (پاؤں کی لمبائی)</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="410"/>
        <source>auto (not used)</source>
        <translation>خودکار (استعمال نہیں)</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="416"/>
        <source>Open a foot scan first (File &gt; Open foot scan).</source>
        <translation>پہلے پاؤں کا اسکین کھولیں (فائل &gt; پاؤں کا اسکین کھولیں)۔</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="418"/>
        <source>Wait for the insole to be designed.</source>
        <translation>انسول کا ڈیزائن مکمل ہونے کا انتظار کریں۔</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="420"/>
        <source>No insole yet: the design of this scan failed; change a value.</source>
        <translation>ابھی کوئی انسول نہیں: اس اسکین کا ڈیزائن ناکام رہا؛ کوئی قدر بدلیں۔</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="423"/>
        <source>The insole shown was made with other values than the form&apos;s (the last change failed or is running): change the value, or undo it (Ctrl+Z).</source>
        <translation>دکھایا گیا انسول فارم کی قدروں سے مختلف قدروں سے بنا ہے (آخری تبدیلی ناکام رہی یا ابھی چل رہی ہے): قدر بدلیں، یا اسے واپس کریں (Ctrl+Z)۔</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="451"/>
        <source> The insole shown is from the values before; Export is off until a design succeeds.</source>
        <translation> دکھایا گیا انسول پچھلی قدروں کا ہے؛ کامیاب ڈیزائن تک برآمد بند ہے۔</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="453"/>
        <source>Error: {}</source>
        <translation>خرابی: {}</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="462"/>
        <source>Open foot scan</source>
        <translation>پاؤں کا اسکین کھولیں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="463"/>
        <source>Scans ({})</source>
        <translation>اسکین ({})</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="469"/>
        <source>&lt;b&gt;Scan&lt;/b&gt;: {}</source>
        <translation>&lt;b&gt;اسکین&lt;/b&gt;: {}</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="471"/>
        <source>Insole of {}[*] – Prosthetics</source>
        <translation>{} کا انسول[*] – Prosthetics</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="479"/>
        <source>Cannot export: {}</source>
        <translation>برآمد نہیں ہو سکتا: {}</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="481"/>
        <source>Export the insole to</source>
        <translation>انسول کہاں برآمد کریں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="501"/>
        <source>Insole not exported</source>
        <translation>انسول برآمد نہیں ہوا</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="502"/>
        <source>The insole has changes that were not exported. Close it anyway?</source>
        <translation>انسول میں ایسی تبدیلیاں ہیں جو برآمد نہیں ہوئیں۔ پھر بھی بند کریں؟</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="516"/>
        <source>yes</source>
        <translation>ہاں</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="517"/>
        <source>NO (not printable as it is)</source>
        <translation>نہیں (اس حالت میں پرنٹ کے قابل نہیں)</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="520"/>
        <source>&lt;b&gt;Foot&lt;/b&gt; ({}): {} mm long, ball {}, heel {}, arch {} mm</source>
        <translation>&lt;b&gt;پاؤں&lt;/b&gt; ({}): لمبائی {} mm، پنجے کی چوڑائی {}، ایڑی {}، محراب {} mm</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="525"/>
        <source>&lt;b&gt;Insole&lt;/b&gt; ({}): {} mm, {} ml, closed solid: {}, heel cup {} mm</source>
        <translation>&lt;b&gt;انسول&lt;/b&gt; ({}): {} mm، {} ml، بند ٹھوس: {}، ایڑی کا کپ {} mm</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="527"/>
        <source>{}, mirrored</source>
        <translation>{}، عکسی</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="531"/>
        <source>, top within {} mm of the sole (95 % of points)</source>
        <translation>، اوپری سطح تلوے سے {} mm کے اندر (95 % نقاط)</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="555"/>
        <source>Insole ready</source>
        <translation>انسول تیار ہے</translation>
    </message>
    <message>
        <location filename="../insole_window.py" line="557"/>
        <source>; a newer change is being designed</source>
        <translation>؛ ایک نئی تبدیلی کا ڈیزائن جاری ہے</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../comparewindow.py" line="78"/>
        <location filename="../mainwindow.py" line="238"/>
        <source>Anterior</source>
        <extracomment>Spacing of the circumference table: the measure spacing, in steps of about this. The colour bar&apos;s default range follows the largest deviation, within these bounds (mm).</extracomment>
        <translation>سامنے</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="79"/>
        <location filename="../mainwindow.py" line="239"/>
        <source>Posterior</source>
        <translation>پیچھے</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="80"/>
        <location filename="../mainwindow.py" line="240"/>
        <source>Right (+X)</source>
        <translation>دایاں (+X)</translation>
    </message>
    <message>
        <location filename="../comparewindow.py" line="81"/>
        <location filename="../mainwindow.py" line="241"/>
        <source>Left (−X)</source>
        <translation>بایاں (−X)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="127"/>
        <source>Prosthetics – socket design</source>
        <extracomment>Said in both languages when the language is changed (it applies at the next start). Which stage results each step&apos;s 3D scene draws (the scene is redrawn when they change).</extracomment>
        <translation>Prosthetics – ساکٹ ڈیزائن</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="147"/>
        <location filename="../mainwindow.py" line="333"/>
        <source>Starting…</source>
        <translation>شروع ہو رہا ہے…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="160"/>
        <source>Starting the 3D view…</source>
        <translation>3D منظر شروع ہو رہا ہے…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="186"/>
        <source>&amp;Open scan…</source>
        <translation>اسکین کھولیں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="188"/>
        <source>Open a scan file (PLY, OBJ, STL, GLB, OFF, XYZ)</source>
        <translation>اسکین فائل کھولیں (PLY, OBJ, STL, GLB, OFF, XYZ)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="191"/>
        <source>Open &amp;case…</source>
        <translation>کیس کھولیں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="193"/>
        <source>Open a case folder (its case.json) or a single-file case (*.case.json)</source>
        <translation>کیس فولڈر (اس کی case.json) یا ایک فائل والا کیس (*.case.json) کھولیں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="196"/>
        <source>&amp;Save case</source>
        <translation>کیس محفوظ کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="198"/>
        <source>Save the design as the next revision of the open case</source>
        <translation>ڈیزائن کو کھلے کیس کی اگلی نظرثانی کے طور پر محفوظ کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="201"/>
        <source>Save as new &amp;case…</source>
        <translation>نئے کیس کے طور پر محفوظ کریں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="203"/>
        <source>Make a case folder with this scan and the design as its first revision</source>
        <translation>اس اسکین کے ساتھ کیس فولڈر بنائیں، اور ڈیزائن کو اس کی پہلی نظرثانی کے طور پر</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="206"/>
        <source>&amp;Add scan to case…</source>
        <translation>کیس میں اسکین شامل کریں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="208"/>
        <source>Add a later scan of the limb to the open case and design on it</source>
        <translation>عضو کا بعد کا اسکین کھلے کیس میں شامل کریں اور اس پر ڈیزائن کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="210"/>
        <source>Case &amp;trends…</source>
        <translation>کیس کے رجحانات…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="212"/>
        <source>The open case&apos;s scans, revisions and measurement history</source>
        <translation>کھلے کیس کے اسکین، نظرثانیاں اور پیمائشوں کی تاریخ</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="216"/>
        <source>&amp;Export…</source>
        <translation>برآمد کریں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="217"/>
        <source>Write the print files and the reports</source>
        <translation>پرنٹ فائلیں اور رپورٹیں لکھیں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="219"/>
        <source>&amp;Quit</source>
        <translation>باہر نکلیں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="220"/>
        <source>&amp;Run</source>
        <translation>چلائیں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="221"/>
        <source>Run what is not up to date (after an error or a cancel)</source>
        <translation>جو تازہ نہیں اسے چلائیں (کسی خرابی یا منسوخی کے بعد)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="223"/>
        <source>&amp;Cancel</source>
        <translation>منسوخ کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="224"/>
        <source>Stop the computation after the current stage</source>
        <translation>موجودہ مرحلے کے بعد حساب روک دیں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="227"/>
        <source>Camera in front of the limb (+Y), looking back</source>
        <translation>کیمرا عضو کے سامنے (+Y)، پیچھے کی طرف دیکھتے ہوئے</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="229"/>
        <source>Camera behind the limb (−Y)</source>
        <translation>کیمرا عضو کے پیچھے (−Y)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="230"/>
        <source>Camera on the patient&apos;s right (+X): lateral for a right limb</source>
        <translation>کیمرا مریض کی دائیں طرف (+X): دائیں عضو کے لیے بیرونی پہلو</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="232"/>
        <source>Camera on the patient&apos;s left (−X): lateral for a left limb</source>
        <translation>کیمرا مریض کی بائیں طرف (−X): بائیں عضو کے لیے بیرونی پہلو</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="234"/>
        <source>Camera below the distal end (−Z), anterior up</source>
        <translation>کیمرا نچلے سرے کے نیچے (−Z)، سامنے کا رخ اوپر</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="236"/>
        <source>Three-quarter view from anterior-right</source>
        <translation>سامنے اور دائیں جانب سے ترچھا منظر</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="242"/>
        <source>Distal</source>
        <translation>نیچے سے</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="246"/>
        <source>Fit</source>
        <translation>پورا دکھائیں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="247"/>
        <source>Reset the zoom to fit the scene</source>
        <translation>زوم کو پورے منظر کے مطابق واپس کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="250"/>
        <source>&amp;File</source>
        <translation>فائل</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="252"/>
        <source>Open &amp;recent</source>
        <translation>حالیہ کھولیں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="259"/>
        <source>Co&amp;mpare with another scan…</source>
        <translation>کسی دوسرے اسکین سے موازنہ کریں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="261"/>
        <source>This limb against another scan of it: deviation map, volume and circumference change</source>
        <translation>یہ عضو اپنے کسی دوسرے اسکین کے مقابلے میں: فرق کا نقشہ، حجم اور گھیر کی تبدیلی</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="266"/>
        <source>Export &amp;rectification…</source>
        <translation>تصحیح برآمد کریں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="268"/>
        <source>Save the landmarks, trim line and strokes set by hand (prosthetics design --rectification FILE replays them)</source>
        <translation>ہاتھ سے لگائے گئے نشانات، ٹرم لائن اور اسٹروک محفوظ کریں (prosthetics design --rectification FILE انہیں دوبارہ لاگو کرتا ہے)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="272"/>
        <source>&amp;Import rectification…</source>
        <translation>تصحیح درآمد کریں…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="274"/>
        <source>Apply a saved rectification to this design</source>
        <translation>محفوظ شدہ تصحیح اس ڈیزائن پر لاگو کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="280"/>
        <source>New &amp;insole…</source>
        <translation>نیا انسول…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="281"/>
        <source>Design a custom insole from a foot scan (its own window)</source>
        <translation>پاؤں کے اسکین سے مخصوص انسول ڈیزائن کریں (الگ ونڈو میں)</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="285"/>
        <source>&amp;Edit</source>
        <translation>ترمیم</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="286"/>
        <source>&amp;View</source>
        <translation>منظر</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="293"/>
        <source>&amp;Language</source>
        <translation>زبان</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="300"/>
        <source>&amp;Design</source>
        <translation>ڈیزائن</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="303"/>
        <source>&amp;Tools</source>
        <translation>اوزار</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="305"/>
        <source>&amp;Section and tape…</source>
        <translation>تراش اور فیتہ…</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="307"/>
        <source>Contours, circumferences and wall thickness at a level; a tape on the limb</source>
        <translation>کسی سطح پر خاکے، گھیر اور دیوار کی موٹائی؛ عضو پر ناپنے کا فیتہ</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="309"/>
        <source>&amp;Help</source>
        <translation>مدد</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="310"/>
        <source>&amp;About</source>
        <translation>تعارف</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="312"/>
        <source>Main</source>
        <translation>مرکزی</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="319"/>
        <source>View:</source>
        <translation>منظر:</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="339"/>
        <source>Cancel</source>
        <translation>منسوخ کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="361"/>
        <source>cannot start: {}</source>
        <translation>شروع نہیں ہو سکا: {}</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="363"/>
        <source>Reinstall the application (make setup).</source>
        <translation>ایپلیکیشن دوبارہ انسٹال کریں (make setup)۔</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="384"/>
        <source>&amp;Undo</source>
        <translation>واپس کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="386"/>
        <source>&amp;Redo</source>
        <translation>دوبارہ کریں</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="426"/>
        <source>Ready</source>
        <translation>تیار</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="519"/>
        <source>Case {} – scan {}</source>
        <translation>کیس {} – اسکین {}</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="521"/>
        <source>Case file {} – scan {}</source>
        <translation>کیس فائل {} – اسکین {}</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="523"/>
        <source>{}[*] – Prosthetics socket design</source>
        <translation>{}[*] – Prosthetics ساکٹ ڈیزائن</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="549"/>
        <source>Design up to date: every check has run</source>
        <translation>ڈیزائن تازہ ہے: ہر جانچ مکمل ہو چکی</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="577"/>
        <source>Exported to {}</source>
        <translation>{} میں برآمد ہو گیا</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="613"/>
        <location filename="../mainwindow.py" line="620"/>
        <source>Prosthetics</source>
        <translation>Prosthetics</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="625"/>
        <source>About</source>
        <translation>تعارف</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="626"/>
        <source>prosthetics {}

Phone scan of a residual limb to a 3D-printable socket. MIT licence.</source>
        <translation>prosthetics {}

بقیہ عضو کے فون اسکین سے 3D پرنٹ کے قابل ساکٹ۔ MIT لائسنس۔</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="641"/>
        <source>quitting</source>
        <translation>باہر نکلنے</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <location filename="../messages.py" line="30"/>
        <source>Reading the scan</source>
        <extracomment>Status-bar text of each stage a job reports (``job.progress``), by stage name (in English; :func:`stage_text` translates).</extracomment>
        <translation>اسکین پڑھا جا رہا ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="31"/>
        <source>Cleaning the scan</source>
        <translation>اسکین صاف کیا جا رہا ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="32"/>
        <source>Aligning the limb</source>
        <translation>عضو کی سیدھ کی جا رہی ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="33"/>
        <source>Measuring the limb</source>
        <translation>عضو کی پیمائش ہو رہی ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="34"/>
        <source>Building the socket</source>
        <translation>ساکٹ بنایا جا رہا ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="35"/>
        <source>Preview of the socket</source>
        <translation>ساکٹ کا پیش منظر</translation>
    </message>
    <message>
        <location filename="../messages.py" line="36"/>
        <source>Checking the socket</source>
        <translation>ساکٹ کی جانچ ہو رہی ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="37"/>
        <source>Writing the print files</source>
        <translation>پرنٹ فائلیں لکھی جا رہی ہیں</translation>
    </message>
    <message>
        <location filename="../messages.py" line="38"/>
        <source>Slicing with PrusaSlicer (the files are written)</source>
        <translation>PrusaSlicer سے سلائسنگ (فائلیں لکھی جا چکی ہیں)</translation>
    </message>
    <message>
        <location filename="../messages.py" line="40"/>
        <source>Writing the report</source>
        <translation>رپورٹ لکھی جا رہی ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="41"/>
        <source>Preparing the views</source>
        <translation>مناظر تیار کیے جا رہے ہیں</translation>
    </message>
    <message>
        <location filename="../messages.py" line="42"/>
        <source>Done</source>
        <translation>مکمل</translation>
    </message>
    <message>
        <location filename="../messages.py" line="46"/>
        <source>Reading the foot scan</source>
        <extracomment>The insole&apos;s stages (``run_insole`` and its writer), in the same words.</extracomment>
        <translation>پاؤں کا اسکین پڑھا جا رہا ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="47"/>
        <source>Finding the foot and its sole</source>
        <translation>پاؤں اور اس کا تلوا تلاش کیا جا رہا ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="48"/>
        <source>Building the insole</source>
        <translation>انسول بنایا جا رہا ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="49"/>
        <source>Checking the insole</source>
        <translation>انسول کی جانچ ہو رہی ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="50"/>
        <source>Designing the insole</source>
        <translation>انسول ڈیزائن ہو رہا ہے</translation>
    </message>
    <message>
        <location filename="../messages.py" line="103"/>
        <source>{}: {} s so far</source>
        <extracomment>The start of the status text while PrusaSlicer runs (the window adds the time taken).</extracomment>
        <translation>{}: اب تک {} s</translation>
    </message>
    <message>
        <location filename="../messages.py" line="190"/>
        <source>Open the scan itself with File &gt; Open scan.</source>
        <translation>خود اسکین کو فائل &gt; اسکین کھولیں سے کھولیں۔</translation>
    </message>
    <message>
        <location filename="../messages.py" line="192"/>
        <source>Change the value, or use Edit &gt; Undo (Ctrl+Z) to go back to the previous one.</source>
        <translation>قدر بدلیں، یا پچھلی قدر پر واپس جانے کے لیے ترمیم &gt; واپس کریں (Ctrl+Z) استعمال کریں۔</translation>
    </message>
    <message>
        <location filename="../messages.py" line="195"/>
        <source>Open another scan (File &gt; Open scan), or set its units on the Scan page.</source>
        <translation>کوئی دوسرا اسکین کھولیں (فائل &gt; اسکین کھولیں)، یا اسکین کے صفحے پر اس کی اکائی مقرر کریں۔</translation>
    </message>
    <message>
        <location filename="../messages.py" line="198"/>
        <source>Change the parameter named in the message, or check the scan on the Clean and Align pages.</source>
        <translation>پیغام میں مذکور پیرامیٹر بدلیں، یا صفائی اور سیدھ کے صفحات پر اسکین جانچیں۔</translation>
    </message>
    <message>
        <location filename="../messages.py" line="201"/>
        <source>Choose another output folder on the Export page.</source>
        <translation>برآمد کے صفحے پر کوئی دوسرا آؤٹ پٹ فولڈر چنیں۔</translation>
    </message>
    <message>
        <location filename="../messages.py" line="204"/>
        <source>This is a bug in the program. The details were printed on the terminal; please report them. Your last change can be undone with Ctrl+Z.</source>
        <translation>یہ پروگرام کی خرابی ہے۔ تفصیل ٹرمینل پر لکھ دی گئی ہے؛ براہ کرم اس کی اطلاع دیں۔ آپ کی آخری تبدیلی Ctrl+Z سے واپس ہو سکتی ہے۔</translation>
    </message>
</context>
<context>
    <name>Model</name>
    <message>
        <location filename="../model.py" line="201"/>
        <source>automatic (from the size)</source>
        <extracomment>Landmarks, trim points and strokes set on the model by hand (the target, like ``groups``; the session catches up in the next job). The last run was stopped by Cancel and nothing has run since (the pages and the view say so instead of &quot;checks follow&quot;). A design started before the model existed (:class:`~.jobs.Prestart`), adopted by :meth:`open_scan` when it opens that scan; then the session&apos;s first job waits for it (``_wait_first``: the session and the wait).</extracomment>
        <translation>خودکار (سائز سے)</translation>
    </message>
    <message>
        <location filename="../model.py" line="202"/>
        <source>millimetres</source>
        <translation>ملی میٹر</translation>
    </message>
    <message>
        <location filename="../model.py" line="202"/>
        <source>centimetres</source>
        <translation>سینٹی میٹر</translation>
    </message>
    <message>
        <location filename="../model.py" line="203"/>
        <source>metres</source>
        <translation>میٹر</translation>
    </message>
    <message>
        <location filename="../model.py" line="204"/>
        <source>Read the scan in {}</source>
        <translation>اسکین کو {} میں پڑھیں</translation>
    </message>
    <message>
        <location filename="../model.py" line="224"/>
        <source>Switch the preset to {}</source>
        <translation>پری سیٹ بدل کر {} کریں</translation>
    </message>
    <message>
        <location filename="../model.py" line="257"/>
        <source>scan file {} does not exist</source>
        <translation>اسکین فائل {} موجود نہیں</translation>
    </message>
    <message>
        <location filename="../model.py" line="259"/>
        <source>Choose the file again with File &gt; Open scan.</source>
        <translation>فائل &gt; اسکین کھولیں سے فائل دوبارہ چنیں۔</translation>
    </message>
    <message>
        <location filename="../model.py" line="299"/>
        <source>the case&apos;s scan {} does not exist</source>
        <translation>کیس کا اسکین {} موجود نہیں</translation>
    </message>
    <message>
        <location filename="../model.py" line="301"/>
        <source>Put the scan back beside the case file, or open the scan itself.</source>
        <translation>اسکین کو کیس فائل کے ساتھ واپس رکھیں، یا خود اسکین کھولیں۔</translation>
    </message>
    <message>
        <location filename="../model.py" line="350"/>
        <source>Case {} does not verify: {}. Check it before designing on.</source>
        <translation>کیس {} کی تصدیق نہیں ہوتی: {}۔ آگے ڈیزائن کرنے سے پہلے اسے جانچیں۔</translation>
    </message>
    <message>
        <location filename="../model.py" line="490"/>
        <source>Cancelling after the current stage…</source>
        <translation>موجودہ مرحلے کے بعد منسوخ ہو رہا ہے…</translation>
    </message>
    <message>
        <location filename="../model.py" line="593"/>
        <source>The scan file {} has changed since the case was saved (its sha256 differs). The design now uses the file as it is.</source>
        <translation>کیس محفوظ ہونے کے بعد اسکین فائل {} بدل چکی ہے (اس کا sha256 مختلف ہے)۔ ڈیزائن اب فائل کو موجودہ حالت میں استعمال کرتا ہے۔</translation>
    </message>
    <message>
        <location filename="../model.py" line="626"/>
        <source>Exported</source>
        <translation>برآمد ہو گیا</translation>
    </message>
    <message>
        <location filename="../model.py" line="629"/>
        <source>Saved revision {}</source>
        <translation>نظرثانی {} محفوظ ہو گئی</translation>
    </message>
    <message>
        <location filename="../model.py" line="644"/>
        <source>Cancelled: press F5 (Design &gt; Run) to continue</source>
        <translation>منسوخ: جاری رکھنے کے لیے F5 (ڈیزائن &gt; چلائیں) دبائیں</translation>
    </message>
    <message>
        <location filename="../model.py" line="650"/>
        <source>unexpected error: {}</source>
        <translation>غیر متوقع خرابی: {}</translation>
    </message>
    <message>
        <location filename="../model.py" line="655"/>
        <source>Stopped: {}</source>
        <translation>رک گیا: {}</translation>
    </message>
</context>
<context>
    <name>Pages</name>
    <message>
        <location filename="../pages.py" line="64"/>
        <source>points</source>
        <extracomment>The file formats as the Export page names them. Cleaning steps whose counts are triangles of a surface (the others count points).</extracomment>
        <translation>نقاط</translation>
    </message>
    <message>
        <location filename="../pages.py" line="64"/>
        <source>triangles</source>
        <translation>مثلث</translation>
    </message>
    <message>
        <location filename="../pages.py" line="78"/>
        <source>the anatomy (a fitted model of limbs and their bones, confidence {}; the bones in the view are its suggestion)</source>
        <translation>تشریح (اعضاء اور ان کی ہڈیوں کا بٹھایا گیا ماڈل، اعتماد {}؛ منظر میں ہڈیاں اسی کی تجویز ہیں)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="82"/>
        <source>the shape of the limb&apos;s sections</source>
        <translation>عضو کی تراشوں کی شکل</translation>
    </message>
    <message>
        <location filename="../pages.py" line="84"/>
        <source>the scan&apos;s +Y</source>
        <translation>اسکین کا +Y</translation>
    </message>
    <message>
        <location filename="../pages.py" line="86"/>
        <source>rotated {}° counter-clockwise (seen from proximal) from the scan&apos;s +Y</source>
        <translation>اسکین کے +Y سے {}° گھڑی کی الٹی سمت گھمایا گیا (اوپر سے دیکھنے پر)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="89"/>
        <source>rotated {}° clockwise (seen from proximal) from the scan&apos;s +Y</source>
        <translation>اسکین کے +Y سے {}° گھڑی کی سمت گھمایا گیا (اوپر سے دیکھنے پر)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="91"/>
        <source>Anterior direction found from {}: {}; the limb is turned so that it faces +Y.</source>
        <translation>سامنے کی سمت {} سے معلوم کی گئی: {}؛ عضو کو گھما کر اس کا رخ +Y کی طرف کیا گیا ہے۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="207"/>
        <source>The scan file as read. Its unit is decided from its size unless you choose one. Open a scan with File &gt; Open scan, drop a file on the window, or open a saved case.</source>
        <translation>اسکین فائل جیسی پڑھی گئی۔ اگر آپ اکائی نہ چنیں تو اس کی اکائی سائز سے طے ہوتی ہے۔ اسکین فائل &gt; اسکین کھولیں سے کھولیں، فائل کو ونڈو پر چھوڑیں، یا محفوظ کیس کھولیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="213"/>
        <source>Open scan…</source>
        <translation>اسکین کھولیں…</translation>
    </message>
    <message>
        <location filename="../pages.py" line="216"/>
        <location filename="../pages.py" line="219"/>
        <source>File</source>
        <translation>فائل</translation>
    </message>
    <message>
        <location filename="../pages.py" line="220"/>
        <source>Content</source>
        <translation>مواد</translation>
    </message>
    <message>
        <location filename="../pages.py" line="221"/>
        <source>Points</source>
        <translation>نقاط</translation>
    </message>
    <message>
        <location filename="../pages.py" line="222"/>
        <source>Units</source>
        <translation>اکائی</translation>
    </message>
    <message>
        <location filename="../pages.py" line="223"/>
        <source>Notes</source>
        <translation>نوٹ</translation>
    </message>
    <message>
        <location filename="../pages.py" line="229"/>
        <source>automatic (from the size)</source>
        <translation>خودکار (سائز سے)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="230"/>
        <source>millimetres</source>
        <translation>ملی میٹر</translation>
    </message>
    <message>
        <location filename="../pages.py" line="231"/>
        <source>centimetres</source>
        <translation>سینٹی میٹر</translation>
    </message>
    <message>
        <location filename="../pages.py" line="232"/>
        <source>metres</source>
        <translation>میٹر</translation>
    </message>
    <message>
        <location filename="../pages.py" line="234"/>
        <source>The unit of the scan file&apos;s coordinates; automatic decides from the object&apos;s size (glTF files are always metres)</source>
        <translation>اسکین فائل کے محدد کی اکائی؛ خودکار اسے چیز کے سائز سے طے کرتا ہے (glTF فائلیں ہمیشہ میٹر میں ہوتی ہیں)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="239"/>
        <source>Read as</source>
        <translation>بطور پڑھیں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="257"/>
        <source>mesh, </source>
        <translation>میش، </translation>
    </message>
    <message>
        <location filename="../pages.py" line="257"/>
        <source>point cloud, </source>
        <translation>نقاط کا بادل، </translation>
    </message>
    <message>
        <location filename="../pages.py" line="258"/>
        <source>with colours</source>
        <translation>رنگوں کے ساتھ</translation>
    </message>
    <message>
        <location filename="../pages.py" line="259"/>
        <source>no colours</source>
        <translation>رنگ نہیں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="269"/>
        <source>Removes the floor, hands, clutter and stray points, then rebuilds a closed limb surface. In the view: left the scan as read (red: removed), right the cleaned surface.</source>
        <translation>فرش، ہاتھ، فالتو چیزیں اور بکھرے نقاط ہٹاتا ہے، پھر عضو کی بند سطح دوبارہ بناتا ہے۔ منظر میں: بائیں طرف اسکین جیسا پڑھا گیا (سرخ: ہٹایا گیا)، دائیں طرف صاف کی گئی سطح۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="277"/>
        <source>step</source>
        <translation>قدم</translation>
    </message>
    <message>
        <location filename="../pages.py" line="277"/>
        <source>kept</source>
        <translation>رکھے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="278"/>
        <source>removed</source>
        <translation>ہٹائے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="279"/>
        <source>counted in</source>
        <translation>گنتی کی اکائی</translation>
    </message>
    <message>
        <location filename="../pages.py" line="289"/>
        <source>Proximal cut</source>
        <translation>اوپری کٹ</translation>
    </message>
    <message>
        <location filename="../pages.py" line="295"/>
        <source>Find automatically</source>
        <translation>خودکار طور پر تلاش کریں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="297"/>
        <source>Let the cleaning find where to cut the limb from the thigh again (Proximal cut 0 mm)</source>
        <translation>صفائی کو دوبارہ خود تلاش کرنے دیں کہ عضو کو ران سے کہاں کاٹنا ہے (اوپری کٹ 0 mm)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="303"/>
        <source>What each step kept and removed (hover a row for details):</source>
        <translation>ہر قدم نے کیا رکھا اور کیا ہٹایا (تفصیل کے لیے قطار پر ماؤس رکھیں):</translation>
    </message>
    <message>
        <location filename="../pages.py" line="320"/>
        <source>Moving the proximal cut to {} mm from the distal end; let go to clean the scan again there.</source>
        <translation>اوپری کٹ کو نچلے سرے سے {} mm پر لے جایا جا رہا ہے؛ وہاں اسکین دوبارہ صاف کرنے کے لیے چھوڑ دیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="345"/>
        <source>Set to {} mm; the cleaning follows.</source>
        <translation>{} mm پر مقرر؛ صفائی اس کے بعد ہوگی۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="348"/>
        <source>None: the scan shows no knee or thigh above the limb.</source>
        <translation>کوئی نہیں: اسکین میں عضو کے اوپر گھٹنا یا ران نظر نہیں آتی۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="352"/>
        <source>{} mm from the distal end, set by hand. Drag the blue disc in the view to move it.</source>
        <translation>نچلے سرے سے {} mm، ہاتھ سے مقرر کیا گیا۔ اسے ہلانے کے لیے منظر میں نیلی ٹکیہ کو گھسیٹیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="355"/>
        <source>{} mm from the distal end, found automatically. Drag the blue disc in the view to move it.</source>
        <translation>نچلے سرے سے {} mm، خودکار طور پر تلاش کیا گیا۔ اسے ہلانے کے لیے منظر میں نیلی ٹکیہ کو گھسیٹیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="358"/>
        <source>Moving to {} mm…</source>
        <translation>{} mm پر لے جایا جا رہا ہے…</translation>
    </message>
    <message>
        <location filename="../pages.py" line="396"/>
        <source>The limb&apos;s long axis becomes +Z (distal end at z = 0) and anterior +Y. For a below-knee limb a statistical model of limbs and their bones is fitted to the scan and gives the anterior, the landmarks and the trim at mid-patella; otherwise the shape of the sections does. Turn it with the anterior rotation if the guess is wrong (check it with the Distal view).</source>
        <translation>عضو کا لمبا محور +Z بنتا ہے (نچلا سرا z = 0 پر) اور سامنے کا رخ +Y۔ گھٹنے سے نیچے کے عضو کے لیے اعضاء اور ان کی ہڈیوں کا شماریاتی ماڈل اسکین پر بٹھایا جاتا ہے جو سامنے کا رخ، نشانات اور وسط پٹیلا پر ٹرم بتاتا ہے؛ ورنہ یہ تراشوں کی شکل سے طے ہوتا ہے۔ اگر اندازہ غلط ہو تو سامنے کی گردش سے گھمائیں (نیچے سے منظر میں جانچیں)۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="415"/>
        <source>Axis tilt from the scan&apos;s principal axis: {}°</source>
        <translation>اسکین کے بنیادی محور سے محور کا جھکاؤ: {}°</translation>
    </message>
    <message>
        <location filename="../pages.py" line="417"/>
        <source>Warning: {}</source>
        <translation>انتباہ: {}</translation>
    </message>
    <message>
        <location filename="../pages.py" line="420"/>
        <source>The scan&apos;s own axes say nothing about which way the limb faces. The program finds the front of the limb (anterior) and turns the limb about its long axis so that the front points to +Y. The angle is how far it turned, seen from proximal (from above). If the front is wrong (check the tibial crest in the Distal view, Ctrl+5), turn it with Anterior rotation.</source>
        <translation>اسکین کے اپنے محور یہ نہیں بتاتے کہ عضو کا رخ کس طرف ہے۔ پروگرام عضو کا اگلا حصہ (سامنے) تلاش کرتا ہے اور عضو کو اس کے لمبے محور پر گھماتا ہے تاکہ سامنے کا رخ +Y کی طرف ہو۔ زاویہ بتاتا ہے کہ کتنا گھمایا گیا، اوپر سے دیکھنے پر۔ اگر سامنے کا رخ غلط ہو (نیچے سے منظر میں پنڈلی کی ہڈی کا ابھار جانچیں، Ctrl+5) تو Anterior rotation سے گھمائیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="431"/>
        <source>Circumferences at each level from the distal end, length and volume.</source>
        <translation>نچلے سرے سے ہر سطح پر گھیر، لمبائی اور حجم۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="442"/>
        <source>Circumference at each level:</source>
        <translation>ہر سطح پر گھیر:</translation>
    </message>
    <message>
        <location filename="../pages.py" line="445"/>
        <source>height (mm)</source>
        <translation>اونچائی (mm)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="446"/>
        <source>limb (mm)</source>
        <translation>عضو (mm)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="447"/>
        <source>socket cavity (mm)</source>
        <translation>ساکٹ کیویٹی (mm)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="480"/>
        <source>Length {} mm, volume {} ml (closed at z = {} mm, the top of the scan), {} levels</source>
        <translation>لمبائی {} mm، حجم {} ml (z = {} mm پر بند، اسکین کا اوپری سرا)، {} سطحیں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="488"/>
        <source>Shapes the cavity from the limb: the reduction (compression: the cross-section area at the trim line made smaller by this much), tapered to 0 at the distal end, regional zones on the landmarks (push-in where the limb bears load, relief over bone) and the liner allowance. The view colours the cavity by its distance to the limb.</source>
        <translation>عضو سے ساکٹ کیویٹی کی شکل بناتا ہے: کمی (دباؤ: ٹرم لائن پر تراش کا رقبہ اتنا چھوٹا کیا جاتا ہے)، جو نچلے سرے پر گھٹ کر 0 ہو جاتی ہے، نشانات پر علاقائی زون (جہاں عضو وزن اٹھاتا ہے وہاں دباؤ، ہڈی پر گنجائش) اور لائنر کی گنجائش۔ منظر کیویٹی کو عضو سے اس کے فاصلے کے مطابق رنگتا ہے۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="501"/>
        <source>Landmarks</source>
        <translation>نشانات</translation>
    </message>
    <message>
        <location filename="../pages.py" line="502"/>
        <source>Zones: depth (push-in +, relief −) and size</source>
        <translation>زون: گہرائی (دباؤ +، گنجائش −) اور سائز</translation>
    </message>
    <message>
        <location filename="../pages.py" line="512"/>
        <source>Shape on the model (left button in the view)</source>
        <translation>ماڈل پر شکل دیں (منظر میں بایاں بٹن)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="525"/>
        <source>Radius</source>
        <translation>رداس</translation>
    </message>
    <message>
        <location filename="../pages.py" line="526"/>
        <source>Depth</source>
        <translation>گہرائی</translation>
    </message>
    <message>
        <location filename="../pages.py" line="527"/>
        <source>Fall-off</source>
        <translation>بتدریج کمی</translation>
    </message>
    <message>
        <location filename="../pages.py" line="528"/>
        <source>Smooth strength</source>
        <translation>ہمواری کی شدت</translation>
    </message>
    <message>
        <location filename="../pages.py" line="546"/>
        <source>Confirm landmarks</source>
        <translation>نشانات کی تصدیق کریں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="548"/>
        <source>Remove last stroke</source>
        <translation>آخری اسٹروک ہٹائیں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="550"/>
        <source>Clear</source>
        <translation>صاف کریں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="562"/>
        <source>Height of each control point of the trim line above the distal end, and above (+) or below (−) the mid-patellar tendon landmark (MPT)</source>
        <translation>ٹرم لائن کے ہر کنٹرول پوائنٹ کی اونچائی: نچلے سرے سے اوپر، اور وسط پٹیلر ٹینڈن کے نشان (MPT) سے اوپر (+) یا نیچے (−)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="577"/>
        <source>Cavity volume {} % against the limb to the trim line ({} sock plies)</source>
        <translation>ٹرم لائن تک کیویٹی کا حجم عضو کے مقابلے میں {} % ({} جراب کی تہیں)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="597"/>
        <source>Trim line</source>
        <translation>ٹرم لائن</translation>
    </message>
    <message>
        <location filename="../pages.py" line="597"/>
        <source>Above the distal end</source>
        <translation>نچلے سرے سے اوپر</translation>
    </message>
    <message>
        <location filename="../pages.py" line="598"/>
        <source>From the MPT</source>
        <translation>MPT سے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="612"/>
        <source>Confirm {} guessed landmarks</source>
        <translation>{} اندازہ شدہ نشانات کی تصدیق کریں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="619"/>
        <source>Remove the stroke &quot;{}&quot;</source>
        <translation>اسٹروک &quot;{}&quot; ہٹائیں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="626"/>
        <source>Remove all {} strokes and the protected regions</source>
        <translation>تمام {} اسٹروک اور محفوظ علاقے ہٹائیں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="633"/>
        <source>{} protected region(s)</source>
        <translation>{} محفوظ علاقے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="635"/>
        <source>Trim line set by hand at: </source>
        <translation>ہاتھ سے مقرر کی گئی ٹرم لائن: </translation>
    </message>
    <message>
        <location filename="../pages.py" line="638"/>
        <source>No strokes yet.</source>
        <translation>ابھی کوئی اسٹروک نہیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="650"/>
        <source>Limb volume below the trim</source>
        <translation>ٹرم سے نیچے عضو کا حجم</translation>
    </message>
    <message>
        <location filename="../pages.py" line="652"/>
        <source>Cavity volume below the trim</source>
        <translation>ٹرم سے نیچے کیویٹی کا حجم</translation>
    </message>
    <message>
        <location filename="../pages.py" line="654"/>
        <source>Cavity volume smaller than the limb&apos;s by</source>
        <translation>کیویٹی کا حجم عضو کے حجم سے اتنا کم</translation>
    </message>
    <message>
        <location filename="../pages.py" line="656"/>
        <source>Cavity to limb, below the trim</source>
        <translation>کیویٹی سے عضو تک، ٹرم سے نیچے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="657"/>
        <source>{} to {} mm</source>
        <translation>{} سے {} mm</translation>
    </message>
    <message>
        <location filename="../pages.py" line="664"/>
        <source>Red: the cavity is inside the limb&apos;s surface (compressed); blue: it is outside (room). The area reduction above is set at the trim line and tapers to 0 at the distal end, so the volume shrinks by less.</source>
        <translation>سرخ: کیویٹی عضو کی سطح کے اندر ہے (دبی ہوئی)؛ نیلا: یہ باہر ہے (گنجائش)۔ اوپر دی گئی رقبے کی کمی ٹرم لائن پر مقرر ہوتی ہے اور نچلے سرے پر گھٹ کر 0 ہو جاتی ہے، اس لیے حجم اس سے کم گھٹتا ہے۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="669"/>
        <source> Preview.</source>
        <translation> پیش منظر۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="674"/>
        <source>The socket fitted to the rectified limb: walls, trim line (anterior height and the lower posterior cut for knee flexion) and the distal 4-hole adapter.</source>
        <translation>تصحیح شدہ عضو پر بٹھایا گیا ساکٹ: دیواریں، ٹرم لائن (سامنے کی اونچائی اور گھٹنا موڑنے کے لیے پیچھے کا نچلا کٹ) اور نیچے کا 4 سوراخ والا اڈاپٹر۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="683"/>
        <source>Preset</source>
        <translation>پری سیٹ</translation>
    </message>
    <message>
        <location filename="../pages.py" line="704"/>
        <source>See-through socket</source>
        <translation>شفاف ساکٹ</translation>
    </message>
    <message>
        <location filename="../pages.py" line="716"/>
        <source>Walls and trim line</source>
        <translation>دیواریں اور ٹرم لائن</translation>
    </message>
    <message>
        <location filename="../pages.py" line="717"/>
        <source>Ventilation holes</source>
        <translation>ہوا کے سوراخ</translation>
    </message>
    <message>
        <location filename="../pages.py" line="718"/>
        <source>Alignment (socket to the distal interface)</source>
        <translation>الائنمنٹ (ساکٹ سے نچلے جوڑ تک)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="719"/>
        <source>Distal adapter (4-hole)</source>
        <translation>نچلا اڈاپٹر (4 سوراخ)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="720"/>
        <source>Sampling grid</source>
        <translation>نمونہ گیری کا گرڈ</translation>
    </message>
    <message>
        <location filename="../pages.py" line="727"/>
        <source>the anterior trim height is set by hand</source>
        <translation>سامنے کی ٹرم اونچائی ہاتھ سے مقرر کی گئی ہے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="739"/>
        <source>{}: more parameters</source>
        <translation>{}: مزید پیرامیٹر</translation>
    </message>
    <message>
        <location filename="../pages.py" line="749"/>
        <location filename="../pages.py" line="755"/>
        <source> (showing a preview on a coarser grid)</source>
        <translation> (موٹے گرڈ پر پیش منظر دکھایا جا رہا ہے)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="752"/>
        <source>Checks: not run, cancelled{}. Press F5 (Design &gt; Run) to build the socket and check it.</source>
        <translation>جانچ: نہیں چلی، منسوخ{}۔ ساکٹ بنانے اور جانچنے کے لیے F5 (ڈیزائن &gt; چلائیں) دبائیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="758"/>
        <source>Checks: running…{}</source>
        <translation>جانچ: جاری ہے…{}</translation>
    </message>
    <message>
        <location filename="../pages.py" line="767"/>
        <source>Anterior trim at {} mm, lowest (posterior) {} mm</source>
        <translation>سامنے کی ٹرم {} mm پر، سب سے نیچی (پیچھے) {} mm</translation>
    </message>
    <message>
        <location filename="../pages.py" line="769"/>
        <source>; top of the scan {} mm</source>
        <translation>؛ اسکین کا اوپری سرا {} mm</translation>
    </message>
    <message>
        <location filename="../pages.py" line="771"/>
        <source>{} triangles</source>
        <translation>{} مثلث</translation>
    </message>
    <message>
        <location filename="../pages.py" line="772"/>
        <source>, {} ml of material</source>
        <translation>، {} ml مواد</translation>
    </message>
    <message>
        <location filename="../pages.py" line="779"/>
        <source>Print files (binary STL, 3MF), report.json and report.html for the patient&apos;s file, written together into the output folder.</source>
        <translation>پرنٹ فائلیں (binary STL، 3MF)، مریض کی فائل کے لیے report.json اور report.html، سب ایک ساتھ آؤٹ پٹ فولڈر میں لکھی جاتی ہیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="795"/>
        <location filename="../pages.py" line="821"/>
        <source>Output folder</source>
        <translation>آؤٹ پٹ فولڈر</translation>
    </message>
    <message>
        <location filename="../pages.py" line="800"/>
        <source>Choose…</source>
        <translation>چنیں…</translation>
    </message>
    <message>
        <location filename="../pages.py" line="804"/>
        <source>Export</source>
        <translation>برآمد کریں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="815"/>
        <source>Open output folder</source>
        <translation>آؤٹ پٹ فولڈر کھولیں</translation>
    </message>
    <message>
        <location filename="../pages.py" line="843"/>
        <source>Checks not run: cancelled. Press F5 (Design &gt; Run) to build the socket and check it.</source>
        <translation>جانچ نہیں چلی: منسوخ۔ ساکٹ بنانے اور جانچنے کے لیے F5 (ڈیزائن &gt; چلائیں) دبائیں۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="845"/>
        <source>Checks follow once the socket is built.</source>
        <translation>ساکٹ بننے کے بعد جانچ ہوگی۔</translation>
    </message>
    <message>
        <location filename="../pages.py" line="854"/>
        <source>Checks: {} watertight &amp;nbsp; {} one body &amp;nbsp; {} thinnest wall {} mm &amp;nbsp; {} fits {}</source>
        <translation>جانچ: {} بند (واٹر ٹائٹ) &amp;nbsp; {} ایک ٹکڑا &amp;nbsp; {} سب سے پتلی دیوار {} mm &amp;nbsp; {} {} میں سماتا ہے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="866"/>
        <source>Watertight</source>
        <translation>بند (واٹر ٹائٹ)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="867"/>
        <source>One body</source>
        <translation>ایک ٹکڑا</translation>
    </message>
    <message>
        <location filename="../pages.py" line="868"/>
        <source>{} body</source>
        <translation>{} ٹکڑا</translation>
    </message>
    <message>
        <location filename="../pages.py" line="868"/>
        <source>{} bodies</source>
        <translation>{} ٹکڑے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="870"/>
        <source>Thinnest wall</source>
        <translation>سب سے پتلی دیوار</translation>
    </message>
    <message>
        <location filename="../pages.py" line="871"/>
        <source>{} mm (asked {})</source>
        <translation>{} mm (مطلوب {})</translation>
    </message>
    <message>
        <location filename="../pages.py" line="873"/>
        <source>Fits the printer</source>
        <translation>پرنٹر میں سماتا ہے</translation>
    </message>
    <message>
        <location filename="../pages.py" line="876"/>
        <source>, turned {}°</source>
        <translation>، {}° گھمایا گیا</translation>
    </message>
    <message>
        <location filename="../pages.py" line="879"/>
        <source>Printed</source>
        <translation>پرنٹ کی سمت</translation>
    </message>
    <message>
        <location filename="../pages.py" line="880"/>
        <source>{}, ~{} ml support</source>
        <translation>{}، تقریباً {} ml سہارا (سپورٹ)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="885"/>
        <location filename="../pages.py" line="889"/>
        <source>Sliced (PrusaSlicer)</source>
        <translation>سلائس شدہ (PrusaSlicer)</translation>
    </message>
    <message>
        <location filename="../pages.py" line="886"/>
        <source>{} g of filament, {}</source>
        <translation>{} g فلامنٹ، {}</translation>
    </message>
    <message>
        <location filename="../pages.py" line="891"/>
        <source>not run</source>
        <translation>نہیں چلا</translation>
    </message>
    <message>
        <location filename="../pages.py" line="899"/>
        <source>Written to &lt;b&gt;{}&lt;/b&gt;: {}, report.json, report.html</source>
        <translation>&lt;b&gt;{}&lt;/b&gt; میں لکھا گیا: {}، report.json، report.html</translation>
    </message>
</context>
<context>
    <name>QAbstractSpinBox</name>
    <message>
        <location filename="../language.py" line="95"/>
        <source>&amp;Select All</source>
        <translation>سب منتخب کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="96"/>
        <source>&amp;Step up</source>
        <translation>ایک قدم اوپر</translation>
    </message>
    <message>
        <location filename="../language.py" line="97"/>
        <source>Step &amp;down</source>
        <translation>ایک قدم نیچے</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="../language.py" line="98"/>
        <source>Look in:</source>
        <translation>یہاں دیکھیں:</translation>
    </message>
    <message>
        <location filename="../language.py" line="99"/>
        <source>File &amp;name:</source>
        <translation>فائل کا نام:</translation>
    </message>
    <message>
        <location filename="../language.py" line="100"/>
        <source>Files of type:</source>
        <translation>فائل کی قسم:</translation>
    </message>
    <message>
        <location filename="../language.py" line="101"/>
        <source>&amp;Open</source>
        <translation>کھولیں</translation>
    </message>
    <message>
        <location filename="../language.py" line="102"/>
        <source>&amp;Save</source>
        <translation>محفوظ کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="103"/>
        <source>&amp;Choose</source>
        <translation>چنیں</translation>
    </message>
    <message>
        <location filename="../language.py" line="104"/>
        <source>Directory:</source>
        <translation>فولڈر:</translation>
    </message>
    <message>
        <location filename="../language.py" line="105"/>
        <source>Create New Folder</source>
        <translation>نیا فولڈر بنائیں</translation>
    </message>
    <message>
        <location filename="../language.py" line="106"/>
        <source>Back</source>
        <translation>پیچھے</translation>
    </message>
    <message>
        <location filename="../language.py" line="107"/>
        <source>Forward</source>
        <translation>آگے</translation>
    </message>
    <message>
        <location filename="../language.py" line="108"/>
        <source>Parent Directory</source>
        <translation>اوپر والا فولڈر</translation>
    </message>
    <message>
        <location filename="../language.py" line="109"/>
        <source>List View</source>
        <translation>فہرست</translation>
    </message>
    <message>
        <location filename="../language.py" line="110"/>
        <source>Detail View</source>
        <translation>تفصیلی منظر</translation>
    </message>
    <message>
        <location filename="../language.py" line="111"/>
        <source>All Files (*)</source>
        <translation>تمام فائلیں (*)</translation>
    </message>
</context>
<context>
    <name>QLineEdit</name>
    <message>
        <location filename="../language.py" line="88"/>
        <source>&amp;Undo</source>
        <translation>واپس کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="89"/>
        <source>&amp;Redo</source>
        <translation>دوبارہ کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="90"/>
        <source>Cu&amp;t</source>
        <translation>کاٹیں</translation>
    </message>
    <message>
        <location filename="../language.py" line="91"/>
        <source>&amp;Copy</source>
        <translation>نقل کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="92"/>
        <source>&amp;Paste</source>
        <translation>چسپاں کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="93"/>
        <source>Delete</source>
        <translation>حذف کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="94"/>
        <source>Select All</source>
        <translation>سب منتخب کریں</translation>
    </message>
</context>
<context>
    <name>QMessageBox</name>
    <message>
        <location filename="../language.py" line="78"/>
        <source>OK</source>
        <translation>ٹھیک ہے</translation>
    </message>
    <message>
        <location filename="../language.py" line="79"/>
        <source>Show Details...</source>
        <translation>تفصیل دکھائیں…</translation>
    </message>
    <message>
        <location filename="../language.py" line="80"/>
        <source>Hide Details...</source>
        <translation>تفصیل چھپائیں…</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <location filename="../language.py" line="62"/>
        <source>OK</source>
        <extracomment>The languages of the windows, by code, each named in its own words. The settings key of the chosen language, and the environment variable that overrides it. Where the catalogues are (``prosthetics_&lt;lang&gt;.ts`` and ``.qm``). Fonts for Urdu: Naskh (Nastaliq&apos;s lines are too tall for forms, menus and tables). Naskh with line spacing made for user interfaces, tried first. The font of Latin letters and digits beside Urdu (it has no Arabic letters). Urdu letters look small beside Latin ones at the same point size.</extracomment>
        <translation>ٹھیک ہے</translation>
    </message>
    <message>
        <location filename="../language.py" line="63"/>
        <source>Save</source>
        <translation>محفوظ کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="64"/>
        <source>Open</source>
        <translation>کھولیں</translation>
    </message>
    <message>
        <location filename="../language.py" line="65"/>
        <source>Cancel</source>
        <translation>منسوخ کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="66"/>
        <source>Close</source>
        <translation>بند کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="67"/>
        <source>Discard</source>
        <translation>رد کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="68"/>
        <source>Apply</source>
        <translation>لاگو کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="69"/>
        <source>Reset</source>
        <translation>پہلے جیسا کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="70"/>
        <source>Help</source>
        <translation>مدد</translation>
    </message>
    <message>
        <location filename="../language.py" line="71"/>
        <source>Don&apos;t Save</source>
        <translation>محفوظ نہ کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="72"/>
        <source>Close without Saving</source>
        <translation>محفوظ کیے بغیر بند کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="73"/>
        <source>&amp;Yes</source>
        <translation>ہاں</translation>
    </message>
    <message>
        <location filename="../language.py" line="74"/>
        <source>&amp;No</source>
        <translation>نہیں</translation>
    </message>
    <message>
        <location filename="../language.py" line="75"/>
        <source>Abort</source>
        <translation>ترک کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="76"/>
        <source>Retry</source>
        <translation>دوبارہ کوشش کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="77"/>
        <source>Ignore</source>
        <translation>نظر انداز کریں</translation>
    </message>
</context>
<context>
    <name>QWidgetTextControl</name>
    <message>
        <location filename="../language.py" line="81"/>
        <source>&amp;Undo</source>
        <translation>واپس کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="82"/>
        <source>&amp;Redo</source>
        <translation>دوبارہ کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="83"/>
        <source>Cu&amp;t</source>
        <translation>کاٹیں</translation>
    </message>
    <message>
        <location filename="../language.py" line="84"/>
        <source>&amp;Copy</source>
        <translation>نقل کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="85"/>
        <source>&amp;Paste</source>
        <translation>چسپاں کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="86"/>
        <source>Delete</source>
        <translation>حذف کریں</translation>
    </message>
    <message>
        <location filename="../language.py" line="87"/>
        <source>Select All</source>
        <translation>سب منتخب کریں</translation>
    </message>
</context>
<context>
    <name>SectionTape</name>
    <message>
        <location filename="../measuretools.py" line="193"/>
        <source>Section</source>
        <extracomment>Steps whose view is in the limb frame: the panel works there. While the section plane is dragged, a section is asked for at most this often (ms). What is drawn: name -&gt; list of (k, 2) polylines (for the tests). How many sections were shown while the plane was being dragged (for the tests).</extracomment>
        <translation>تراش</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="195"/>
        <source>Level above the distal end</source>
        <translation>نچلے سرے سے اوپر سطح</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="203"/>
        <source>Or drag the plane in the 3D view up and down the limb</source>
        <translation>یا 3D منظر میں تراش کی سطح کو عضو کے ساتھ اوپر نیچے گھسیٹیں</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="213"/>
        <source>Go to MPT</source>
        <translation>MPT پر جائیں</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="214"/>
        <source>Put the level at the mid-patellar tendon landmark</source>
        <translation>سطح کو وسط پٹیلر ٹینڈن (MPT) کے نشان پر رکھیں</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="222"/>
        <source>Limb circumference</source>
        <translation>عضو کا گھیر</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="223"/>
        <source>Cavity circumference</source>
        <translation>کیویٹی کا گھیر</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="224"/>
        <source>Outer circumference</source>
        <translation>بیرونی گھیر</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="225"/>
        <source>Wall min / mean / max</source>
        <translation>دیوار کم از کم / اوسط / زیادہ سے زیادہ</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="226"/>
        <source>Cavity area vs limb</source>
        <translation>کیویٹی کا رقبہ بمقابلہ عضو</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="227"/>
        <source>Over 360 points along the cavity contour, to the outer contour, in the horizontal plane (a sloped wall reads a little thicker)</source>
        <translation>کیویٹی کے خاکے پر 360 نقاط سے بیرونی خاکے تک، افقی سطح میں (ڈھلوان دیوار کچھ موٹی پڑھی جاتی ہے)</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="230"/>
        <source>The cavity&apos;s area at this level against the limb&apos;s: negative where the limb is compressed</source>
        <translation>اس سطح پر کیویٹی کا رقبہ عضو کے رقبے کے مقابلے میں: جہاں عضو دبایا گیا ہو وہاں منفی</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="236"/>
        <source>Tape</source>
        <translation>فیتہ</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="239"/>
        <source>Pick two points</source>
        <translation>دو نقاط چنیں</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="242"/>
        <source>The next two left clicks on the limb in the 3D view set A and B (through the socket)</source>
        <translation>3D منظر میں عضو پر اگلے دو بائیں کلک A اور B مقرر کرتے ہیں (ساکٹ کے آر پار)</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="246"/>
        <source>Clear</source>
        <translation>صاف کریں</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="252"/>
        <location filename="../measuretools.py" line="477"/>
        <source>Press “Pick two points”, then click A and B on the limb.</source>
        <translation>“دو نقاط چنیں” دبائیں، پھر عضو پر A اور B پر کلک کریں۔</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="257"/>
        <source>Along the surface</source>
        <translation>سطح کے ساتھ ساتھ</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="258"/>
        <source>Straight</source>
        <translation>سیدھا</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="317"/>
        <source>The section and the tape work on the limb in its own frame: on the Align to Export steps, once the limb is aligned.</source>
        <translation>تراش اور فیتہ عضو کے اپنے فریم میں کام کرتے ہیں: سیدھ سے برآمد تک کے مراحل میں، عضو کی سیدھ ہو جانے کے بعد۔</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="326"/>
        <source>No socket yet: the limb&apos;s contour only.</source>
        <translation>ابھی کوئی ساکٹ نہیں: صرف عضو کا خاکہ۔</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="343"/>
        <source>MPT at {} mm</source>
        <translation>MPT {} mm پر</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="345"/>
        <source>MPT: no landmark yet</source>
        <translation>MPT: ابھی کوئی نشان نہیں</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="416"/>
        <source>not reached</source>
        <translation>یہاں تک نہیں پہنچتا</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="418"/>
        <source>open (trim line)</source>
        <translation>کھلا (ٹرم لائن)</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="440"/>
        <source>Click point A on the limb (1 of 2)…</source>
        <translation>عضو پر نقطہ A پر کلک کریں (2 میں سے 1)…</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="448"/>
        <source>Picking stopped.</source>
        <translation>چننا روک دیا گیا۔</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="463"/>
        <source>Click point B on the limb (2 of 2)…</source>
        <translation>عضو پر نقطہ B پر کلک کریں (2 میں سے 2)…</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="467"/>
        <source>Measuring…</source>
        <translation>پیمائش ہو رہی ہے…</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="500"/>
        <source>Tape from A to B.</source>
        <translation>A سے B تک فیتہ۔</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="501"/>
        <source>Tape from A to B (along the mesh&apos;s edges: the surface is not manifold, so a little long).</source>
        <translation>A سے B تک فیتہ (میش کے کناروں کے ساتھ: سطح درست طور پر بند نہیں، اس لیے کچھ لمبا)۔</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="562"/>
        <source>Cannot measure: {}</source>
        <translation>پیمائش نہیں ہو سکتی: {}</translation>
    </message>
    <message>
        <location filename="../measuretools.py" line="595"/>
        <source>Section and tape</source>
        <translation>تراش اور فیتہ</translation>
    </message>
</context>
<context>
    <name>Shaper</name>
    <message>
        <location filename="../shaping.py" line="50"/>
        <source>Turn the view</source>
        <extracomment>The shaping tools by name (translated where shown, context &quot;Shaper&quot;).</extracomment>
        <translation>منظر گھمائیں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="51"/>
        <source>Move landmarks</source>
        <translation>نشانات ہلائیں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="52"/>
        <source>Trim line</source>
        <translation>ٹرم لائن</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="53"/>
        <source>Push in</source>
        <translation>اندر دبائیں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="54"/>
        <source>Relieve</source>
        <translation>گنجائش دیں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="55"/>
        <source>Smooth</source>
        <translation>ہموار کریں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="56"/>
        <source>Protect</source>
        <translation>محفوظ رکھیں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="58"/>
        <source>Anterior brim</source>
        <extracomment>The trim line&apos;s control points by name (translated where shown, context &quot;Shaper&quot;).</extracomment>
        <translation>سامنے کا کنارہ</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="59"/>
        <source>Medial wing</source>
        <translation>اندرونی بازو</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="60"/>
        <source>Lateral wing</source>
        <translation>بیرونی بازو</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="61"/>
        <source>Posterior cut</source>
        <translation>پیچھے کا کٹ</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="363"/>
        <source>Confirm the {} landmark</source>
        <extracomment>The distal end&apos;s height in the limb frame (its origin: docs/architecture.md). A press within this many pixels of a marker grabs it. A trim point&apos;s height label stands this far out from the limb (mm). The landmark the trim points&apos; heights are also given against.</extracomment>
        <translation>نشان {} کی تصدیق کریں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="367"/>
        <source>Move the {} landmark {} mm</source>
        <translation>نشان {} کو {} mm ہلائیں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="373"/>
        <source>Move the {} of the trim line up {} mm</source>
        <translation>ٹرم لائن کا {} {} mm اوپر کریں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="374"/>
        <source>Move the {} of the trim line down {} mm</source>
        <translation>ٹرم لائن کا {} {} mm نیچے کریں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="378"/>
        <source>Protect a region {} mm across</source>
        <translation>{} mm چوڑا علاقہ محفوظ رکھیں</translation>
    </message>
    <message>
        <location filename="../shaping.py" line="384"/>
        <source> ({} dabs)</source>
        <translation> ({} ضربیں)</translation>
    </message>
</context>
<context>
    <name>Steps</name>
    <message>
        <location filename="../mainwindow.py" line="43"/>
        <location filename="../pages.py" line="40"/>
        <source>Scan</source>
        <extracomment>The steps&apos; titles (translated where shown, context &quot;Steps&quot;).</extracomment>
        <translation>اسکین</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="43"/>
        <location filename="../pages.py" line="41"/>
        <source>Clean</source>
        <translation>صفائی</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="44"/>
        <location filename="../pages.py" line="42"/>
        <source>Align</source>
        <translation>سیدھ</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="44"/>
        <location filename="../pages.py" line="43"/>
        <source>Measure</source>
        <translation>پیمائش</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="45"/>
        <location filename="../pages.py" line="44"/>
        <source>Rectify</source>
        <translation>تصحیح</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="45"/>
        <location filename="../pages.py" line="45"/>
        <source>Template</source>
        <translation>سانچہ</translation>
    </message>
    <message>
        <location filename="../mainwindow.py" line="46"/>
        <location filename="../pages.py" line="46"/>
        <source>Export</source>
        <translation>برآمد</translation>
    </message>
</context>
<context>
    <name>Viewport</name>
    <message>
        <location filename="../viewport.py" line="28"/>
        <source>Preview (coarser grid); the full socket was cancelled: press F5 (Design &gt; Run) to build it and run the checks</source>
        <extracomment>The caption&apos;s last line when a preview is shown and the full build was cancelled.</extracomment>
        <translation>پیش منظر (موٹا گرڈ)؛ مکمل ساکٹ منسوخ کر دیا گیا: اسے بنانے اور جانچ چلانے کے لیے F5 دبائیں (ڈیزائن &gt; چلائیں)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="47"/>
        <source>Anterior</source>
        <extracomment>Standard views: direction from the focal point to the camera, and the view-up vector. Design frame: +Z proximal, +Y anterior, +X the patient&apos;s right. How far above the horizontal the Clean step&apos;s first view looks when it shows the proximal cut&apos;s disc, deg. The standard views&apos; names (in English in the 3D view, whose text cannot lay out Urdu; translated in widgets, context &quot;Viewport&quot;).</extracomment>
        <translation>سامنے</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="48"/>
        <source>Posterior</source>
        <translation>پیچھے</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="49"/>
        <source>Patient&apos;s right (+X)</source>
        <translation>مریض کی دائیں طرف (+X)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="50"/>
        <source>Patient&apos;s left (-X)</source>
        <translation>مریض کی بائیں طرف (-X)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="51"/>
        <source>Distal (from below)</source>
        <translation>نیچے سے</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="52"/>
        <source>Three-quarter</source>
        <translation>ترچھا منظر</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="269"/>
        <source>No scan open: File &gt; Open scan, or drop a scan file here</source>
        <extracomment>The widget&apos;s own square (where a press grabs it), faint under the disc. The section plane dragged in the view: its level (mm above the distal end), and whether the button was released (False while it moves). The cleaning&apos;s proximal cut dragged in the Clean view: its height (mm from the distal end along the limb&apos;s axis), and whether the button was released. The shaping tools (:class:`.shaping.Shaper`), drawn over the Rectify scene. The proximal cut drawn in the Clean view (design frame): ``centre`` (3,), ``normal`` (3,), ``height_mm`` as the cleaning found or was set it, ``radius``, ``rule``; None when none is drawn. The height the drawn cut stands at now (moves while it is dragged).</extracomment>
        <translation>کوئی اسکین کھلا نہیں: فائل &gt; اسکین کھولیں، یا اسکین فائل یہاں چھوڑیں</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="308"/>
        <source>File axes: X, Y, Z as in the scan file</source>
        <translation>فائل کے محور: X، Y، Z جیسے اسکین فائل میں ہیں</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="310"/>
        <source>X: patient&apos;s right   Y: anterior   Z: proximal</source>
        <translation>X: مریض کا دایاں   Y: سامنے   Z: اوپر</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="339"/>
        <location filename="../viewport.py" line="349"/>
        <source>Reading the scan…</source>
        <translation>اسکین پڑھا جا رہا ہے…</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="341"/>
        <source>Scan as read: {} points, in the design frame (mm)</source>
        <translation>اسکین جیسا پڑھا گیا: {} نقاط، ڈیزائن فریم میں (mm)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="343"/>
        <source>Scan as read: {} points, in the file&apos;s axes (mm)</source>
        <translation>اسکین جیسا پڑھا گیا: {} نقاط، فائل کے محوروں میں (mm)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="352"/>
        <source>Before cleaning (the cleaned surface follows)…</source>
        <translation>صفائی سے پہلے (صاف سطح بعد میں آئے گی)…</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="365"/>
        <source>before</source>
        <translation>پہلے</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="365"/>
        <source>after</source>
        <translation>بعد میں</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="371"/>
        <source>Left: the scan as read, {} points; red: {} removed (floor, hand, strays)</source>
        <translation>بائیں: اسکین جیسا پڑھا گیا، {0} نقاط؛ سرخ: {1} ہٹائے گئے (فرش، ہاتھ، بکھرے نقاط)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="374"/>
        <source>Right: the cleaned limb surface, {} triangles</source>
        <translation>دائیں: عضو کی صاف سطح، {} مثلث</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="377"/>
        <source>Blue disc: the proximal cut from the thigh; drag it (left button) to move it along the limb&apos;s axis</source>
        <translation>نیلی ڈسک: ران سے اوپری کٹاؤ؛ اسے عضو کے محور کے ساتھ ہلانے کے لیے (بائیں بٹن سے) گھسیٹیں</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="448"/>
        <source>Proximal cut: {} from the distal end</source>
        <extracomment>The lowest cut the drag sets (mm from the distal end): below, no limb is left.</extracomment>
        <translation>اوپری کٹاؤ: نچلے سرے سے {}</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="499"/>
        <location filename="../viewport.py" line="555"/>
        <source>Aligning the limb…</source>
        <translation>عضو سیدھا کیا جا رہا ہے…</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="519"/>
        <source>anterior (+Y)</source>
        <translation>سامنے (+Y)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="520"/>
        <source>long axis (+Z)</source>
        <translation>لمبا محور (+Z)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="524"/>
        <source>Aligned limb: long axis (red) along +Z, distal end at z = 0</source>
        <translation>سیدھا کیا گیا عضو: لمبا محور (سرخ) +Z کے ساتھ، نچلا سرا z = 0 پر</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="527"/>
        <source>rotated {} counter-clockwise from the scan&apos;s +Y (seen from proximal)</source>
        <translation>اسکین کے +Y سے {} گھڑی کی الٹی سمت گھمایا گیا (اوپر سے دیکھنے پر)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="529"/>
        <source>rotated {} clockwise from the scan&apos;s +Y (seen from proximal)</source>
        <translation>اسکین کے +Y سے {} گھڑی کی سمت گھمایا گیا (اوپر سے دیکھنے پر)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="532"/>
        <source>Anterior found from the fitted anatomy model (bones shown; confidence {}, skin fit {}): {}</source>
        <translation>سامنے کی سمت فٹ کیے گئے اناٹومی ماڈل سے ملی (ہڈیاں دکھائی گئی ہیں؛ اعتماد {0}، جلد پر فٹ {1}): {2}</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="536"/>
        <source>Anterior found from the sections&apos; shape: {}</source>
        <translation>سامنے کی سمت تراشوں کی شکل سے ملی: {}</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="538"/>
        <source>Axis tilt from the scan&apos;s principal axis {}</source>
        <translation>اسکین کے بنیادی محور سے محور کا جھکاؤ {}</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="561"/>
        <source>Measuring…</source>
        <translation>پیمائش ہو رہی ہے…</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="566"/>
        <source>{} levels every {}; length {}, volume {}</source>
        <translation>ہر {1} پر {0} سطحیں؛ لمبائی {2}، حجم {3}</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="573"/>
        <location filename="../viewport.py" line="624"/>
        <source>Building the socket…</source>
        <translation>ساکٹ بن رہا ہے…</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="581"/>
        <source>Cavity to limb (mm)</source>
        <translation>کیویٹی سے عضو تک (mm)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="593"/>
        <source>Below the trim:
{} to {}
(scale {})</source>
        <translation>ٹرم لائن سے نیچے:
{} سے {}
(پیمانہ {})</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="603"/>
        <source>Socket cavity coloured by its distance to the limb (mm): red inside the limb (compressed), blue outside (room)</source>
        <translation>ساکٹ کا اندرونی حصہ عضو سے فاصلے کے مطابق رنگا گیا (mm): سرخ عضو کے اندر (دباؤ)، نیلا باہر (گنجائش)</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="606"/>
        <source>Below the trim line: {} to {}, mean {}; volume {} smaller</source>
        <translation>ٹرم لائن سے نیچے: {0} سے {1}، اوسط {2}؛ حجم {3} کم</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="612"/>
        <source>Preview (coarser grid); the full socket follows</source>
        <translation>پیش منظر (موٹا گرڈ)؛ مکمل ساکٹ بعد میں آئے گا</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="635"/>
        <source>Socket over the limb: trim {} (anterior), {} triangles</source>
        <translation>عضو پر ساکٹ: ٹرم {0} (سامنے)، {1} مثلث</translation>
    </message>
    <message>
        <location filename="../viewport.py" line="639"/>
        <source>Preview (coarser grid); the full socket and its checks follow</source>
        <translation>پیش منظر (موٹا گرڈ)؛ مکمل ساکٹ اور اس کی جانچ بعد میں آئیں گی</translation>
    </message>
</context>
</TS>
