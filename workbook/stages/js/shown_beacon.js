export default { render({ model }) { model.send({ shown: true }); } };
