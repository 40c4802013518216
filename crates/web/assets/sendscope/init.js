// Starts GOV.UK Frontend's components (loaded as a module, after the page).
import { initAll } from '/assets/govuk-frontend.min.js';

initAll();
