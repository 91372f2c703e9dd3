export const notAPlugin = true;
