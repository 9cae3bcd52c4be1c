// Passkey buttons on the identity pages. A button carries data-passkey="login" or "register",
// the interaction or enrolment base path, and the page's CSRF token. The ceremony itself is done
// by @simplewebauthn/browser (loaded before this file as the SimpleWebAuthnBrowser global).
(() => {
  const post = async (url, csrf, body) => {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body ?? {}),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(data.message || data.detail || res.statusText), { data });
    return data;
  };
  const showError = (message) => {
    const alert = document.querySelector('.alert');
    if (!alert) return;
    alert.textContent = message;
    alert.hidden = false;
    alert.focus?.();
  };
  for (const button of document.querySelectorAll('[data-passkey]')) {
    button.addEventListener('click', async () => {
      const { passkey, base, csrf } = button.dataset;
      const name = document.querySelector('#passkey-name')?.value;
      button.disabled = true;
      try {
        const optionsJSON = await post(`${base}/passkey/options`, csrf, {});
        const response =
          passkey === 'register'
            ? await SimpleWebAuthnBrowser.startRegistration({ optionsJSON })
            : await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON });
        const result = await post(`${base}/passkey`, csrf, { response, name });
        window.location.assign(result.redirect);
      } catch (error) {
        showError(error.data?.message || button.dataset.failed || String(error.message || error));
        button.disabled = false;
      }
    });
  }
})();
