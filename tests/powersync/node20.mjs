// Edition 3 sync rules use Object.groupBy, which Node 20 lacks: imported first by the
// scripts here, before PowerSync's package.
if (!Object.groupBy) {
  Object.groupBy = (items, key) => {
    const groups = Object.create(null);
    let i = 0;
    for (const item of items) (groups[key(item, i++)] ??= []).push(item);
    return groups;
  };
}
