-- An ogbot database of schema 3, written by the schema-3 ogbot's store: v2.sql migrated by it,
-- then a subscriber or two, a cancelled draft, an audit record and a notice stored through it
-- (never regenerate: it stands for databases in the field). Load with executescript.
PRAGMA user_version = 3;
BEGIN TRANSACTION;
CREATE TABLE announcements (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        author TEXT NOT NULL,
        created TEXT NOT NULL,
        publish_at TEXT NOT NULL,
        state TEXT NOT NULL,
        published TEXT
    );
INSERT INTO "announcements" VALUES(1,'Netzwerktreffen am 10. Dezember – online & offen','shell','2026-11-23T20:37:53+00:00','2026-11-23T20:37:53+00:00','published','2026-11-23T20:37:53+00:00');
INSERT INTO "announcements" VALUES(2,'Neujahrsempfang des Netzwerks','shell','2026-11-23T20:37:53+00:00','2027-01-15T09:00:00+00:00','scheduled',NULL);
CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor INTEGER,
        action TEXT NOT NULL,
        detail TEXT
    );
INSERT INTO "audit" VALUES(1,'2026-12-01T09:30:00+00:00',4242,'cancel','draft 1');
CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        coordinator INTEGER NOT NULL,
        text TEXT NOT NULL,
        created TEXT NOT NULL,
        state TEXT NOT NULL,
        announcement_id INTEGER
    );
INSERT INTO "drafts" VALUES(1,4242,'Netzwerktreffen am 10. Dezember – Einladung folgt','2026-12-01T09:30:00+00:00','cancelled',NULL);
CREATE TABLE entries (
        source TEXT NOT NULL,
        guid TEXT NOT NULL,
        item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
        PRIMARY KEY (source, guid)
    );
INSERT INTO "entries" VALUES('ogp','https://www.opengovpartnership.org/?p=83042',1);
INSERT INTO "entries" VALUES('ogp','https://www.opengovpartnership.org/?p=83001',2);
INSERT INTO "entries" VALUES('ogp','https://www.opengovpartnership.org/?p=82987',3);
INSERT INTO "entries" VALUES('ogp','https://www.opengovpartnership.org/?p=82971',4);
INSERT INTO "entries" VALUES('ogp','https://www.opengovpartnership.org/?p=82955',5);
INSERT INTO "entries" VALUES('ogp','https://www.opengovpartnership.org/?p=82950',6);
INSERT INTO "entries" VALUES('netzwerk','https://opengovpartnership.de/?p=4711',7);
INSERT INTO "entries" VALUES('netzwerk','https://opengovpartnership.de/?p=4702',2);
INSERT INTO "entries" VALUES('netzwerk','https://opengovpartnership.de/?p=4695',8);
INSERT INTO "entries" VALUES('netzwerk','https://opengovpartnership.de/?p=4680',9);
INSERT INTO "entries" VALUES('bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2294412',10);
INSERT INTO "entries" VALUES('bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2281706',11);
INSERT INTO "entries" VALUES('bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2270118',12);
INSERT INTO "entries" VALUES('bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2265530',13);
INSERT INTO "entries" VALUES('bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2107254',14);
CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        guid TEXT NOT NULL,
        link TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        content_html TEXT NOT NULL,
        published TEXT NOT NULL,
        date_known INTEGER NOT NULL,
        categories TEXT NOT NULL,
        author TEXT,
        kind TEXT NOT NULL,
        deadline TEXT,
        deadline_guessed INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        backlog INTEGER NOT NULL DEFAULT 0
    );
INSERT INTO "items" VALUES(1,'ogp','https://www.opengovpartnership.org/?p=83042','https://www.opengovpartnership.org/stories/civic-tech-roundup-tools-for-open-parliaments/','opengovpartnership.org/stories/civic-tech-roundup-tools-for-open-parliaments','Civic Tech Roundup: Tools for Open Parliaments','Parliaments across the OGP community are opening up their work with new digital tools. Here is a roundup of what reformers built this year and what they learned along the way. […]','<p>Parliaments across the OGP community are opening up their work with new digital tools. Here is a roundup of what reformers built this year.</p>


<p><img src="http://127.0.0.1:43205/feed/x"> <a href="" rel="noopener noreferrer nofollow">Read the full roundup</a></p>

<p>Legislative monitoring platforms now cover <strong>14 parliaments</strong>. <a href="https://www.opengovpartnership.org/open-parliaments/" rel="noopener noreferrer nofollow">Learn more about open parliaments</a>.</p>

<p><a href="" rel="noopener noreferrer nofollow">Download the data</a></p>
<p>The post <a href="https://www.opengovpartnership.org/stories/civic-tech-roundup-tools-for-open-parliaments/" rel="noopener noreferrer nofollow">Civic Tech Roundup: Tools for Open Parliaments</a> appeared first on <a href="https://www.opengovpartnership.org" rel="noopener noreferrer nofollow">Open Government Partnership</a>.</p>','2026-11-18T08:30:00+00:00',1,'["Open Parliaments", "Civic Tech"]','Maria Alvarez','news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(2,'ogp','https://www.opengovpartnership.org/?p=83001','https://www.opengovpartnership.org/documents/germany-action-plan-review-2023-2025/','opengovpartnership.org/documents/germany-action-plan-review-2023-2025','Germany Action Plan Review 2023-2025 – For Public Comment','The Independent Reporting Mechanism (IRM) invites comments on its review of Germany’s 2023–2025 action plan. The draft assesses the plan’s ambition and the commitments with the greatest potential for results. […]','<p>The Independent Reporting Mechanism (IRM) invites the public to comment on its <strong>Action Plan Review</strong> of <a href="http://127.0.0.1:43205/members/germany/" rel="noopener noreferrer nofollow">Germany</a>’s 2023–2025 action plan. The review assesses the plan’s overall ambition and looks closely at the commitments with the greatest potential for results, including open data for public procurement and a transparency register for lobbying.</p>
<p><img alt="Cover of the Germany Action Plan Review" height="576" src="https://www.opengovpartnership.org/wp-content/uploads/2026/11/germany-apr-cover-1024x576.jpg" width="1024"></p>
<p>Comments can be sent to <a href="mailto:irm@opengovpartnership.org" rel="noopener noreferrer nofollow">irm@opengovpartnership.org</a> or left on the document. <strong>Deadline: 15 December 2026</strong>. All comments will be considered before the final version is published.</p>
<p><a href="https://www.opengovpartnership.org/wp-content/uploads/2026/11/Germany_Action-Plan-Review_2023-2025_for-public-comment.pdf" rel="noopener noreferrer nofollow">Download the draft review (PDF)</a></p>
<p>The post <a href="https://www.opengovpartnership.org/documents/germany-action-plan-review-2023-2025/" rel="noopener noreferrer nofollow">Germany Action Plan Review 2023-2025 – For Public Comment</a> appeared first on <a href="https://www.opengovpartnership.org" rel="noopener noreferrer nofollow">Open Government Partnership</a>.</p>','2026-11-17T14:03:11+00:00',1,'["Germany", "Action Plan Review", "Independent Reporting Mechanism"]','Independent Reporting Mechanism','consultation','2026-12-15',0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(3,'ogp','https://www.opengovpartnership.org/?p=82987','https://www.opengovpartnership.org/stories/open-data-open-contracting-whats-next-for-reformers/','opengovpartnership.org/stories/open-data-open-contracting-whats-next-for-reformers','Open Data & Open Contracting: What’s Next for Reformers 🚀','Open data and open contracting have come a long way since the first OGP action plans. Where do reformers go from here? Five ideas from the field. […]','<p>Open data and open contracting have come a long way since the first OGP action plans. Where do reformers go from here? <strong>Five ideas</strong> from the field – from beneficial ownership to e-procurement &amp; budget tracking.</p>
<ol>
<li>Publish contracts in the <a href="https://standard.open-contracting.org/" rel="noopener noreferrer nofollow">Open Contracting Data Standard</a>.</li>
<li>Link procurement data to company registers.</li>
<li>Make the data usable for journalists &amp; auditors.</li>
</ol>
<p>The post <a href="https://www.opengovpartnership.org/stories/open-data-open-contracting-whats-next-for-reformers/" rel="noopener noreferrer nofollow">Open Data &amp; Open Contracting: &lt;b&gt;What’s Next&lt;/b&gt; for Reformers 🚀</a> appeared first on <a href="https://www.opengovpartnership.org" rel="noopener noreferrer nofollow">Open Government Partnership</a>.</p>','2026-11-13T16:45:00+00:00',1,'["Open Contracting", "Open Data", "Beneficial Ownership & Procurement"]','Joseph Foti','news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(4,'ogp','https://www.opengovpartnership.org/?p=82971','https://www.opengovpartnership.org/stories/call-for-expressions-of-interest-ogp-steering-committee/','opengovpartnership.org/stories/call-for-expressions-of-interest-ogp-steering-committee','Call for Expressions of Interest: OGP Steering Committee','OGP is seeking civil society leaders to join its Steering Committee for a three-year term starting in 2027. Expressions of interest are open until 7 December 2026. […]','<p>OGP is seeking civil society leaders to join its <strong>Steering Committee</strong> for a three-year term starting in 2027. Candidates should have a track record of open government reform at national or local level.</p>
<p>Expressions of interest are open <strong>until 7 December 2026</strong>. Please fill in the <a href="https://www.opengovpartnership.org/steering-committee/selection-process/" rel="noopener noreferrer nofollow">online form</a> and attach a short motivation letter.</p>
<p><img alt="" height="400" src="https://www.opengovpartnership.org/wp-content/uploads/2026/11/sc-call-2026.png" width="800"></p>
<p>The post <a href="https://www.opengovpartnership.org/stories/call-for-expressions-of-interest-ogp-steering-committee/" rel="noopener noreferrer nofollow">Call for Expressions of Interest: OGP Steering Committee</a> appeared first on <a href="https://www.opengovpartnership.org" rel="noopener noreferrer nofollow">Open Government Partnership</a>.</p>','2026-11-12T10:00:00+00:00',1,'["Steering Committee", "Governance"]','OGP Support Unit','consultation','2026-12-07',0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(5,'ogp','https://www.opengovpartnership.org/?p=82955','https://www.opengovpartnership.org/stories/ogp-global-summit-civic-participation-in-focus/','opengovpartnership.org/stories/ogp-global-summit-civic-participation-in-focus','OGP Global Summit: Civic Participation in Focus','More than 2,000 reformers from government and civil society met at the OGP Global Summit to discuss how citizens can shape the decisions that affect them. […]','<p>More than 2,000 reformers from government and civil society met at the <strong>OGP Global Summit</strong> in October to discuss how citizens can shape the decisions that affect them. Panels covered participatory budgeting, citizens’ assemblies and the protection of civic space.</p>
<p>Recordings of all plenary sessions are now available on the <a href="https://www.opengovpartnership.org/global-summit/" rel="noopener noreferrer nofollow">Summit page</a>.</p>
<p>The post <a href="https://www.opengovpartnership.org/stories/ogp-global-summit-civic-participation-in-focus/" rel="noopener noreferrer nofollow">OGP Global Summit: Civic Participation in Focus</a> appeared first on <a href="https://www.opengovpartnership.org" rel="noopener noreferrer nofollow">Open Government Partnership</a>.</p>','2026-11-09T12:20:05+00:00',1,'["Global Summit", "Civic Space"]','OGP Support Unit','news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(6,'ogp','https://www.opengovpartnership.org/?p=82950','https://www.opengovpartnership.org/stories/kenya-launches-open-contracting-portal-for-county-governments/','opengovpartnership.org/stories/kenya-launches-open-contracting-portal-for-county-governments','Kenya Launches Open Contracting Portal for County Governments','Kenya’s new public procurement portal publishes tenders and contracts of county governments as open data, a commitment from the country’s current action plan. […]','<p>Kenya’s new public procurement portal publishes tenders and contracts of county governments as open data, delivering on a commitment from the country’s current <a href="https://www.opengovpartnership.org/members/kenya/" rel="noopener noreferrer nofollow">action plan</a>.</p>
<p>Twelve counties already publish their contracts; the rest will follow in 2027.</p>
<p>The post <a href="https://www.opengovpartnership.org/stories/kenya-launches-open-contracting-portal-for-county-governments/" rel="noopener noreferrer nofollow">Kenya Launches Open Contracting Portal for County Governments</a> appeared first on <a href="https://www.opengovpartnership.org" rel="noopener noreferrer nofollow">Open Government Partnership</a>.</p>','2026-11-04T07:55:30+00:00',1,'["Kenya", "Open Contracting", "Local"]','Wanjiru Kamau','news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(7,'netzwerk','https://opengovpartnership.de/?p=4711','https://opengovpartnership.de/2026/11/19/entwurf-des-5-nationalen-aktionsplans-kommentierungsphase/','opengovpartnership.de/2026/11/19/entwurf-des-5-nationalen-aktionsplans-kommentierungsphase','Entwurf des 5. Nationalen Aktionsplans: Kommentierungsphase bis zum 12. Januar 2027','Die Bundesregierung hat den Entwurf des 5. Nationalen Aktionsplans veröffentlicht. Bis zum 12. Januar 2027 können alle Interessierten ihn kommentieren – wir zeigen, wo sich ein Blick lohnt. […]','<p>Die Bundesregierung hat den <strong>Entwurf des 5.&nbsp;Nationalen Aktionsplans</strong> (NAP) im Rahmen der Open Government Partnership veröffentlicht. Bis zum 12.&nbsp;Januar&nbsp;2027 können alle Interessierten den Entwurf online kommentieren – Verwaltung, Zivilgesellschaft, Wissenschaft und Bürger*innen.</p>
<p>Wir haben den Entwurf gelesen: Die Verpflichtungen zu „Open Data in der Verwaltung“ und zum „Lobbyregister 2.0“ sind ein Anfang — aber bei Beteiligung und Transparenz bleibt der Plan hinter den Erwartungen zurück.</p>
<p><a href="https://www.open-government-deutschland.de/opengov-de/service/aktuelles/entwurf-5-nap-2294412" rel="noopener noreferrer nofollow">Zum Entwurf und zur Kommentierung</a></p>
<p>Der Beitrag <a href="https://opengovpartnership.de/2026/11/19/entwurf-des-5-nationalen-aktionsplans-kommentierungsphase/" rel="noopener noreferrer nofollow">Entwurf des 5. Nationalen Aktionsplans: Kommentierungsphase bis zum 12. Januar 2027</a> erschien zuerst auf <a href="https://opengovpartnership.de" rel="noopener noreferrer nofollow">Open Government Netzwerk Deutschland</a>.</p>','2026-11-19T10:15:00+00:00',1,'["Aktionsplan", "Beteiligung"]','Redaktion','consultation','2027-01-12',0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(8,'netzwerk','https://opengovpartnership.de/?p=4695','https://opengovpartnership.de/2026/11/16/mehr-beteiligung-wagen-rueckblick-open-government-tag/','opengovpartnership.de/2026/11/16/mehr-beteiligung-wagen-rueckblick-open-government-tag','Mehr Beteiligung wagen: Rückblick auf den Open Government Tag','Rund 300 Menschen aus Verwaltung, Politik und Zivilgesellschaft diskutierten beim Open Government Tag über „mehr Beteiligung wagen“ – ein Rückblick. […]','<p>Rund 300 Menschen aus Verwaltung, Politik und Zivilgesellschaft kamen am 5.&nbsp;November zum <strong>Open Government Tag</strong> nach Berlin. Unter dem Motto „Mehr Beteiligung wagen“ ging es um Bürgerräte, Beteiligungsportale und die Frage, wie Verwaltung Feedback ernst nimmt.</p>
<p>„Beteiligung ist kein Selbstzweck“, sagte eine Teilnehmerin im Abschlusspanel — sie müsse Folgen haben.</p>
<p>Die Folien aller Workshops finden Sie in unserer <a href="http://127.0.0.1:43205/dokumentation/open-government-tag-2026/" rel="noopener noreferrer nofollow">Dokumentation</a>.</p>
<p>Der Beitrag <a href="https://opengovpartnership.de/2026/11/16/mehr-beteiligung-wagen-rueckblick-open-government-tag/" rel="noopener noreferrer nofollow">Mehr Beteiligung wagen: Rückblick auf den Open Government Tag</a> erschien zuerst auf <a href="https://opengovpartnership.de" rel="noopener noreferrer nofollow">Open Government Netzwerk Deutschland</a>.</p>','2026-11-16T15:40:00+00:00',1,'["Veranstaltungen", "Beteiligung"]','Anna Schmidt','news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(9,'netzwerk','https://opengovpartnership.de/?p=4680','https://opengovpartnership.de/2026/11/05/netzwerktreffen-dezember-open-government-kommunen/','opengovpartnership.de/2026/11/05/netzwerktreffen-dezember-open-government-kommunen','Netzwerktreffen im Dezember: Open Government in Kommunen','Unser nächstes Netzwerktreffen findet am 3. Dezember 2026 online statt. Im Mittelpunkt: Open Government in Städten und Gemeinden. […]','<p>Unser nächstes <strong>Netzwerktreffen</strong> findet am 3.&nbsp;Dezember&nbsp;2026 von 14 bis 16&nbsp;Uhr online statt. Im Mittelpunkt steht Open Government in Städten und Gemeinden – mit Erfahrungen aus den früheren Modellkommunen.</p>
<p>Alle Mitglieder erhalten den Einwahllink per E-Mail.</p>
<p>Der Beitrag <a href="https://opengovpartnership.de/2026/11/05/netzwerktreffen-dezember-open-government-kommunen/" rel="noopener noreferrer nofollow">Netzwerktreffen im Dezember: Open Government in Kommunen</a> erschien zuerst auf <a href="https://opengovpartnership.de" rel="noopener noreferrer nofollow">Open Government Netzwerk Deutschland</a>.</p>','2026-11-05T08:00:00+00:00',1,'["Netzwerk"]','Redaktion','news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(10,'bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2294412','http://127.0.0.1:43205/opengov-de/service/aktuelles/entwurf-5-nap-2294412','127.0.0.1:43205/opengov-de/service/aktuelles/#2294412','Ihr Feedback ist gefragt: Entwurf des Fünften Nationalen Aktionsplans – Kommentierung bis 12. Januar 2027','Bis zum 12. Januar 2027 können alle Interessierten den Entwurf des Fünften Nationalen Aktionsplans online kommentieren.','','2026-11-09T23:00:00+00:00',1,'[]',NULL,'consultation','2027-01-12',0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(11,'bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2281706','http://127.0.0.1:43205/opengov-de/service/aktuelles/zwischenbilanz-4-nap-2281706','127.0.0.1:43205/opengov-de/service/aktuelles/#2281706','Zwischenbilanz: So steht es um die Umsetzung des Vierten Nationalen Aktionsplans','Die Ressorts haben über den Stand ihrer Verpflichtungen berichtet – ein Überblick über Erreichtes und Verzögerungen.','','2026-11-23T20:37:52+00:00',0,'[]',NULL,'news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(12,'bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2270118','http://127.0.0.1:43205/opengov-de/service/aktuelles/ogp-lenkungsausschuss-2270118','127.0.0.1:43205/opengov-de/service/aktuelles/#2270118','Deutschland bleibt im OGP-Lenkungsausschuss vertreten','Die Bundesregierung wirkt weitere drei Jahre im Steering Committee der Open Government Partnership mit.','','2026-11-23T20:37:52+00:00',0,'[]',NULL,'news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(13,'bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2265530','http://127.0.0.1:43205/opengov-de/service/aktuelles/werkstattbericht-offene-daten-2265530','127.0.0.1:43205/opengov-de/service/aktuelles/#2265530','Werkstattbericht: Offene Daten in der Bundesverwaltung','Wie Behörden ihre Daten bereitstellen und was Nutzerinnen und Nutzer daraus machen.','','2026-11-23T20:37:52+00:00',0,'[]',NULL,'news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
INSERT INTO "items" VALUES(14,'bundesregierung','127.0.0.1:43205/opengov-de/service/aktuelles/#2107254','http://127.0.0.1:43205/opengov-de/service/aktuelles/online-konsultation-4-nap-2107254','127.0.0.1:43205/opengov-de/service/aktuelles/#2107254','[abgeschlossen] Online-Konsultation zum Entwurf des Vierten Nationalen Aktionsplans','Die Kommentierungsphase endete am 30. September 2024. Vielen Dank für über 400 Kommentare!','','2026-11-23T20:37:52+00:00',0,'[]',NULL,'news',NULL,0,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00',1);
CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
INSERT INTO "meta" VALUES('chat_id:@ogbot_test','-1001234567890');
CREATE TABLE notices (
        problem TEXT PRIMARY KEY,
        last_sent TEXT NOT NULL
    );
INSERT INTO "notices" VALUES('source:bundesregierung','2026-12-01T09:30:00+00:00');
CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        chat TEXT NOT NULL,
        kind TEXT NOT NULL,
        ref INTEGER,
        digest_id INTEGER REFERENCES posts (id),
        state TEXT NOT NULL,
        created TEXT NOT NULL,
        not_before TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        chat_id TEXT,
        message_id INTEGER,
        sent_at TEXT,
        text TEXT,
        silent INTEGER NOT NULL DEFAULT 0,
        edit_pending INTEGER NOT NULL DEFAULT 0,
        uncertain INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
INSERT INTO "posts" VALUES(1,'channel','item',8,7,'merged','2026-11-23T20:37:52+00:00',NULL,0,NULL,NULL,NULL,NULL,0,0,0,NULL);
INSERT INTO "posts" VALUES(2,'channel','item',2,7,'merged','2026-11-23T20:37:52+00:00',NULL,0,NULL,NULL,NULL,NULL,0,0,0,NULL);
INSERT INTO "posts" VALUES(3,'channel','item',1,7,'merged','2026-11-23T20:37:52+00:00',NULL,0,NULL,NULL,NULL,NULL,0,0,0,NULL);
INSERT INTO "posts" VALUES(4,'channel','item',7,7,'merged','2026-11-23T20:37:52+00:00',NULL,0,NULL,NULL,NULL,NULL,0,0,0,NULL);
INSERT INTO "posts" VALUES(5,'channel','item',13,7,'merged','2026-11-23T20:37:52+00:00',NULL,0,NULL,NULL,NULL,NULL,0,0,0,NULL);
INSERT INTO "posts" VALUES(6,'channel','item',14,7,'merged','2026-11-23T20:37:52+00:00',NULL,0,NULL,NULL,NULL,NULL,0,0,0,NULL);
INSERT INTO "posts" VALUES(7,'channel','digest',NULL,NULL,'sent','2026-11-23T20:37:52+00:00',NULL,1,'-1001234567890',1,'2026-11-23T20:37:52+00:00','📬 <b>6 neue Beiträge</b> · davon 2 Konsultationen

• <a href="https://opengovpartnership.de/2026/11/16/mehr-beteiligung-wagen-rueckblick-open-government-tag/">Mehr Beteiligung wagen: Rückblick auf den Open Government Tag</a> · netzwerk
• 🗳 <a href="https://www.opengovpartnership.org/documents/germany-action-plan-review-2023-2025/">Germany Action Plan Review 2023-2025 – For Public Comment</a> · ogp · Frist: 15. Dezember 2026
• <a href="https://www.opengovpartnership.org/stories/civic-tech-roundup-tools-for-open-parliaments/">Civic Tech Roundup: Tools for Open Parliaments</a> · ogp
• 🗳 <a href="https://opengovpartnership.de/2026/11/19/entwurf-des-5-nationalen-aktionsplans-kommentierungsphase/">Entwurf des 5. Nationalen Aktionsplans: Kommentierungsphase bis zum 12. Januar 2027</a> · netzwerk · Frist: 12. Januar 2027
• <a href="http://127.0.0.1:43205/opengov-de/service/aktuelles/werkstattbericht-offene-daten-2265530">Werkstattbericht: Offene Daten in der Bundesverwaltung</a> · bundesregierung
• <a href="http://127.0.0.1:43205/opengov-de/service/aktuelles/online-konsultation-4-nap-2107254">[abgeschlossen] Online-Konsultation zum Entwurf des Vierten Nationalen Aktionsplans</a> · bundesregierung

Kontakt: <a href="https://x.com/OpenGovGermany">@OpenGovGermany</a>',0,0,0,NULL);
INSERT INTO "posts" VALUES(8,'channel','announcement',1,NULL,'sent','2026-11-23T20:37:53+00:00',NULL,1,'-1001234567890',2,'2026-11-23T20:37:53+00:00','📣 <b>Ankündigung</b>

Netzwerktreffen am 10. Dezember – online &amp; offen

Kontakt: <a href="https://x.com/OpenGovGermany">@OpenGovGermany</a>',0,0,0,NULL);
CREATE TABLE sends (
        chat_id TEXT NOT NULL,
        at TEXT NOT NULL
    );
INSERT INTO "sends" VALUES('-1001234567890','2026-11-23T20:37:52.819+00:00');
INSERT INTO "sends" VALUES('-1001234567890','2026-11-23T20:37:53.396+00:00');
CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        fetch_url TEXT,
        etag TEXT,
        last_modified TEXT,
        first_success TEXT,
        last_fetch TEXT,
        last_success TEXT,
        last_status TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        failing_since TEXT,
        next_due TEXT,
        paused INTEGER NOT NULL DEFAULT 0
    );
INSERT INTO "sources" VALUES('ogp','http://127.0.0.1:43205/feed/',NULL,'"v1"',NULL,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00','ok',NULL,0,NULL,'2026-11-23T21:07:52+00:00',0);
INSERT INTO "sources" VALUES('netzwerk','http://127.0.0.1:43205/netzwerk/feed/',NULL,NULL,'Mon, 20 Nov 2026 10:00:00 GMT','2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00','ok',NULL,0,NULL,'2026-11-23T21:07:52+00:00',0);
INSERT INTO "sources" VALUES('bundesregierung','http://127.0.0.1:43205/opengov-de',NULL,NULL,NULL,'2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00','2026-11-23T20:37:52+00:00','ok',NULL,0,NULL,'2026-11-23T21:07:52+00:00',0);
CREATE TABLE subscribers (
        chat_id INTEGER PRIMARY KEY,
        news INTEGER NOT NULL,
        consultations INTEGER NOT NULL,
        lang TEXT NOT NULL,
        created TEXT NOT NULL
    );
INSERT INTO "subscribers" VALUES(2001,1,0,'de','2026-12-01T09:30:00+00:00');
INSERT INTO "subscribers" VALUES(2002,1,1,'en','2026-12-01T09:30:00+00:00');
CREATE INDEX items_published ON items (published DESC);
CREATE UNIQUE INDEX posts_once ON posts (chat, kind, ref) WHERE ref IS NOT NULL;
CREATE INDEX posts_state ON posts (state, chat);
CREATE INDEX sends_at ON sends (at);
COMMIT;
