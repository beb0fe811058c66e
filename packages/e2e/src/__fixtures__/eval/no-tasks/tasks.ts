// A tasks file that forgot to export its tasks.
export const words = ['strawberry', 'raspberry'];
