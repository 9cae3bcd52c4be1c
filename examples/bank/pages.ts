/** The demo bank's pages: plain HTML, French, no script. */

export interface BankData {
  person: {
    nin: string;
    givenNames: string;
    familyName: string;
    sex?: string;
    birthDate: string;
    address: { line: string; locality: string; regionCode: string };
    phone?: string | null;
  };
  taxes: Array<{ year: number; status: string; declaredIncome: number; taxDue: number; taxPaid: number }>;
  land: Array<{
    titleNumber: string;
    locality: string;
    areaM2: number;
    landUse: string;
    encumbrances: string | null;
  }>;
}

export interface Application {
  amount: number;
  months: number;
}

const html = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
const money = (n: number) => `${new Intl.NumberFormat('fr-SN').format(n)} FCFA`;
const date = (iso: string) =>
  new Intl.DateTimeFormat('fr-SN', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} — Banque Teranga</title><link rel="stylesheet" href="/bank.css"></head>
<body><header><a href="/" class="brand">Banque Teranga</a> <span class="demo">démonstration</span></header><main>${body}</main>
<footer>Banque fictive. Les données viennent des registres de l’État via Jokko, avec votre accord.</footer></body></html>`;
}

export function homePage(name?: string): string {
  return layout(
    'Demande de prêt',
    `<h1>Votre prêt immobilier en 5 minutes</h1>
<p>Connectez-vous avec votre identité numérique : avec votre accord, nous remplissons la demande à partir de vos données d’état civil, d’impôts et de titres fonciers. Rien à photocopier.</p>
${name ? `<p>Bonjour ${html(name)}.</p><p><a class="button" href="/application">Continuer ma demande</a></p>` : '<p><a class="button" href="/login" id="login">Se connecter avec Jokko</a></p>'}`,
  );
}

export function formPage(data: BankData): string {
  const p = data.person;
  const field = (id: string, label: string, value: unknown) =>
    `<label for="${id}">${label}</label><input id="${id}" name="${id}" value="${html(value)}" readonly>`;
  const taxes = data.taxes.length
    ? `<div class="scroll"><table><caption>Situation fiscale (DGID)</caption><thead><tr><th scope="col">Année</th><th scope="col">Revenu déclaré</th><th scope="col">Impôt dû</th><th scope="col">Payé</th><th scope="col">Statut</th></tr></thead><tbody>${data.taxes
        .map(
          (t) =>
            `<tr><td>${t.year}</td><td>${money(t.declaredIncome)}</td><td>${money(t.taxDue)}</td><td>${money(t.taxPaid)}</td><td>${html(t.status)}</td></tr>`,
        )

        .join('')}</tbody></table></div>`
    : '<p id="no-taxes">Aucune déclaration fiscale connue.</p>';
  const land = data.land.length
    ? `<div class="scroll"><table><caption>Titres fonciers (DGID)</caption><thead><tr><th scope="col">Titre</th><th scope="col">Localité</th><th scope="col">Surface</th><th scope="col">Usage</th><th scope="col">Charges</th></tr></thead><tbody>${data.land
        .map(
          (l) =>
            `<tr><td>${html(l.titleNumber)}</td><td>${html(l.locality)}</td><td>${l.areaM2} m²</td><td>${html(l.landUse)}</td><td>${html(l.encumbrances ?? 'aucune')}</td></tr>`,
        )

        .join('')}</tbody></table></div>`
    : '<p id="no-land">Aucun titre foncier à votre nom.</p>';
  return layout(
    'Demande de prêt',
    `<h1>Demande de prêt immobilier</h1><p class="note">Pré-rempli depuis les registres de l’État via la Passerelle numérique Jokko.</p>
<form method="post" action="/application" id="application">
<fieldset><legend>Identité (DAF)</legend>
${field('nin', 'NIN', p.nin)}${field('familyName', 'Nom', p.familyName)}${field('givenNames', 'Prénoms', p.givenNames)}${field('birthDate', 'Date de naissance', date(p.birthDate))}
${field('address', 'Adresse', `${p.address.line}, ${p.address.locality}`)}</fieldset>
${taxes}${land}
<fieldset><legend>Votre projet</legend>
<label for="amount">Montant demandé (FCFA)</label><input id="amount" name="amount" type="number" min="100000" step="1000" required>
<label for="months">Durée (mois)</label><input id="months" name="months" type="number" min="12" max="300" value="120" required></fieldset>
<button type="submit">Envoyer ma demande</button></form>`,
  );
}

/** Jokko refused (a revoked or paused consent, an expired one...): the problem, as the bank got it. */
export function problemPage(problem: Record<string, unknown>): string {
  return layout(
    'Accès refusé',
    `<h1>Jokko a refusé l’accès à vos données</h1>
<p role="alert" id="problem" data-problem-type="${html(problem.type)}">${html(problem.title)}${problem.detail ? ` : ${html(problem.detail)}` : ''}</p>
<p>Si vous avez retiré votre accord dans l’application Jokko, c’est normal : la banque ne peut plus lire vos données. Vous pouvez recommencer en vous reconnectant.</p>
<p><a class="button" href="/login">Se reconnecter avec Jokko</a></p>`,
  );
}

export function messagePage(title: string, text: string): string {
  return layout(
    title,
    `<h1>${html(title)}</h1><p id="message">${html(text)}</p><p><a href="/">Accueil</a></p>`,
  );
}

export const stylesheet = `body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f4}
header{background:#0b5d3b;color:#fff;padding:.8rem 1rem}header .brand{color:#fff;font-weight:700;text-decoration:none}
.demo{font-size:.8rem;opacity:.85}main{max-width:44rem;margin:0 auto;padding:1rem}
footer{font-size:.8rem;color:#555;text-align:center;padding:1rem}
.button,button{display:inline-block;background:#0b5d3b;color:#fff;border:0;border-radius:.4rem;padding:.8rem 1.2rem;font-size:1rem;text-decoration:none;min-height:44px}
label{display:block;margin-top:.6rem;font-weight:600}input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
fieldset{border:1px solid #ccc;border-radius:.4rem;margin:1rem 0}.scroll{overflow-x:auto}table{width:100%;border-collapse:collapse;margin:1rem 0}
caption{font-weight:700;text-align:left}th,td{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}
[role=alert]{background:#fde8e8;border-left:4px solid #b00020;padding:.6rem}.note{color:#444}
`;
