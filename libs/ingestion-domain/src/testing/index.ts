export * from './minimal-pdf.js';
